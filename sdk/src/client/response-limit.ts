// Answers are read with a size limit: a server or a proxy that sends without end must not grow a
// client (an agent's heap, an automation script's) until it dies. The limit holds for the bytes
// as they arrive, whatever Content-Length claims.
import { Response as UndiciResponse } from 'undici';
import { OtherixError } from '../errors.js';

/** Every answer of the API is far smaller: a page of 500 full nodes is about 350 KB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** `response` with its body cut off by an `invalid_response` error past `maxBytes`. */
export function limitResponse(response: UndiciResponse, maxBytes: number, url: string): UndiciResponse {
  if (response.body === null || NULL_BODY_STATUSES.has(response.status)) return response;
  const tooLarge = (): OtherixError =>
    new OtherixError(
      'invalid_response',
      `the answer from ${url} is larger than ${maxBytes} bytes, far more than the control plane sends: check that the URL points at it (not at a proxy or another service)`,
      { details: { max_bytes: maxBytes } },
    );
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.cancel().catch(() => undefined);
    throw tooLarge();
  }
  let seen = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new UndiciResponse(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
}
