// The CP's reader of JSON request bodies, for every route that takes one.
//
// Why it is not Fastify's own (`parseAs: 'string'`): a small request (a heartbeat's ~400 bytes)
// almost always arrives in one TLS record with its headers, and the route's async onRequest hooks
// resume in the microtasks Node runs after its HTTP parser hands over the body (before it marks
// the message complete). So when this parser runs, the body is already in the request stream's
// buffer; Fastify's reader still adds three listeners, puts the stream in flowing mode and waits
// for a 'data' and an 'end' event. Here a body that is all there is taken with one `read()` and
// parsed at once; anything else (a body still arriving, in pieces, chunked, or a preParsing
// stream) is read as Fastify reads it. Measured (issue 20): about 1.4 µs of a request's ~60 in
// profiles of a Fastify TLS server with the CP's hook shape; not measurable in the CP's A/B of
// CPU per heartbeat (10 pairs, new - old -3 µs, spread ±15 µs).
//
// The rules are Fastify's (node_modules/fastify/lib/content-type-parser.js, rawBody), with the same
// errors, so the same answers (plugins/errors.ts): a Content-Length over the route's body limit, or
// more bytes than the limit (chunked), is FST_ERR_CTP_BODY_TOO_LARGE (413); a body whose length is
// not its Content-Length is FST_ERR_CTP_INVALID_CONTENT_LENGTH (400); a stream error is a 400; the
// bytes are decoded as UTF-8 once, whole (a character split across TLS records stays whole).
// Then our JSON rules: an empty (or all-whitespace) body is no body, `null` is NULL_BODY, and text
// that is not JSON is a SyntaxError with statusCode 400.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { errorCodes } from 'fastify';
import { sharedPlugin } from './shared-plugin.js';

/**
 * A literal JSON `null` body, kept apart from an empty one (which parses to undefined and is
 * validated as null): an operation that takes no body refuses it like any other body, and one
 * that takes an object refuses it as not an object. No schema accepts it, so no handler sees it.
 */
const NULL_BODY = Symbol('a JSON null body');

type Done = (error: Error | null, body?: unknown) => void;

/** A preParsing hook's stream may say how many bytes it read before decoding them (Fastify's convention). */
type Payload = Readable & { receivedEncodedLength?: number };

function parseJson(text: string, done: Done): void {
  const trimmed = text.trim();
  if (trimmed === '') {
    done(null, undefined);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    const error = new SyntaxError('the request body is not valid JSON') as SyntaxError & { statusCode: number };
    error.statusCode = 400;
    done(error, undefined);
    return;
  }
  done(null, parsed === null ? NULL_BODY : parsed);
}

/**
 * The body, if Node's HTTP parser has already buffered all of it: the message is complete, or
 * its Content-Length bytes are all there (the route's hooks resume in the microtasks Node runs
 * after the parser hands over the body, just before it marks the message complete). Read in
 * paused mode, with no listener; undefined if the body is not all there.
 */
function bufferedBody(raw: IncomingMessage, payload: Payload, contentLength: number): Buffer | null | undefined {
  if (payload !== raw || raw.readableFlowing === true || raw.readableEncoding !== null || raw.destroyed || raw.readableEnded)
    return undefined;
  const complete = raw.complete;
  if (!complete && raw.readableLength !== contentLength) return undefined;
  // Every buffered byte as one Buffer (null if there are none).
  const body = raw.read() as Buffer | null;
  // Let the stream end as Fastify's reader lets it (flowing), once the parser marks the message
  // complete; a complete one ends on its own after read().
  if (!complete) raw.resume();
  return body;
}

/** Fastify's rawBody, for a body that is not all there yet. */
function streamBody(payload: Payload, limit: number, contentLength: number, done: Done): void {
  let received = 0;
  const chunks: Buffer[] = [];
  const detach = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  function onData(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    received += bytes.length;
    if (received > limit || (payload.receivedEncodedLength ?? 0) > limit) {
      detach();
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
      return;
    }
    chunks.push(bytes);
  }
  function onEnd(error?: Error & { statusCode?: number }): void {
    detach();
    if (error != null) {
      if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
      done(error, undefined);
      return;
    }
    if (!Number.isNaN(contentLength) && (payload.receivedEncodedLength || received) !== contentLength) {
      done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), undefined);
      return;
    }
    parseJson(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, received).toString('utf8'), done);
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}

function readJsonBody(request: FastifyRequest, payload: IncomingMessage, done: Done): void {
  const limit = request.routeOptions.bodyLimit;
  const contentLength = Number(request.headers['content-length']);
  if (contentLength > limit) {
    done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
    return;
  }
  const body = bufferedBody(request.raw, payload, contentLength);
  if (body === undefined) {
    streamBody(payload, limit, contentLength, done);
    return;
  }
  const received = body === null ? 0 : body.length;
  if (received > limit) {
    done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
    return;
  }
  if (!Number.isNaN(contentLength) && received !== contentLength) {
    done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), undefined);
    return;
  }
  parseJson(body === null ? '' : body.toString('utf8'), done);
}

export default sharedPlugin('otherix-json-body', async (app) => {
  // Empty bodies on body-less POSTs (revoke, cordon) are fine; anything else must be JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', readJsonBody);
});
