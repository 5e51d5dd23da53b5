// The one layer that turns an API error body into an OtherixApiError (STYLE: transport apart
// from domain). Callers match on `code`; `details.reason` says why a join token was refused.
import { API_ERROR_CODES, API_ERROR_STATUS, OtherixApiError, type ApiErrorCode } from '../errors.js';
import type { ApiErrorBody } from './types.js';

// token_rejected shares 401 with unauthenticated; a bare 401 is the latter.
const CODE_BY_STATUS = new Map<number, ApiErrorCode>(
  API_ERROR_CODES.filter((code) => code !== 'token_rejected' && code !== 'ca_retired').map((code) => [API_ERROR_STATUS[code], code]),
);

/** Whether `body` is the CP's own error body (`{"error": {code, message}}`), not a proxy's page. */
export function isApiErrorBody(body: unknown): body is ApiErrorBody {
  if (body === null || typeof body !== 'object') return false;
  const inner = (body as { error?: unknown }).error;
  return (
    inner !== null &&
    typeof inner === 'object' &&
    typeof (inner as { code?: unknown }).code === 'string' &&
    typeof (inner as { message?: unknown }).message === 'string'
  );
}

/** `body` is what openapi-fetch parsed from a non-2xx response (JSON, or the raw text). */
export function apiErrorFrom(status: number, body: unknown, url: string, retryAfterMs?: number): OtherixApiError {
  const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (isApiErrorBody(body)) {
    return new OtherixApiError({
      code: body.error.code,
      status,
      message: body.error.message,
      details: body.error.details ?? {},
      ...retry,
    });
  }
  // Something other than the CP answered (a proxy, a load balancer): say so, keep the status,
  // and take the code the CP would use for that status.
  return new OtherixApiError({
    code: CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'internal' : 'validation_failed'),
    status,
    message: `unexpected HTTP ${status} from ${url} without an Otherix error body: check that the URL points at the control plane`,
    details: {},
    ...retry,
  });
}
