// Several CP URLs (replicas of one cluster): when a call moves on to the next URL, and when it
// must not. Every URL gets exactly the same checks: TLS trusting only the pinned CA, a served
// certificate with the CP's SPIFFE identity and serverAuth (transport.ts), the same size limits.
//
// A call MOVES ON to the next URL when
//   1. the connection failed before the request could go out: no TLS connection to that URL was
//      open or opened during the attempt (connection refused, no route, DNS, connect timeout).
//      Nothing reached that URL, so every call may try the next one, a join included;
//   2. the call is safe to repeat and failed for want of a working replica: a 5xx answer, or a
//      connection cut or timed out after the request may have arrived. Safe to repeat: reads
//      (GET), heartbeats (the latest one wins), renewals (the CP keeps the current certificate
//      working until the node uses a new one, and a renewal sent again supersedes the leaf
//      whose answer was lost), revoking tokens, cordon and uncordon (idempotent);
//   3. the call is once-only and was answered 5xx with the CP's own error body: the CP answers
//      an error only for a request it did not carry out (a join, a mint, a delete is one
//      transaction, answered after it commits; a failing write answers 500 "nothing was
//      changed"). Even so a join cannot be redeemed twice: on the next replica its name exists
//      already, so a fleet token gets 409 and a bound token is spent.
// A call STOPS, and its error is the call's, on
//   - a TLS failure: a URL whose server does not prove it holds a certificate of the pinned CA
//     with the CP's identity (another CA, the CP's clientAuth-only client.crt, plain HTTP) may be
//     an attacker in the path. Falling through to the next URL would hide it, so it is an error
//     wherever it is in the list; the local cert material failing to load stops it too;
//   - any 4xx: the cluster's answer, the same on every replica. A 429 is not retried elsewhere
//     either: that would multiply the join-guess limit by the number of replicas;
//   - an answer that is not the CP's (a 2xx that does not parse, one over the size limit);
//   - a once-only call (join, minting a join or API token, deleting a node) whose request may
//     have arrived and whose answer was lost (a cut connection, a timeout, a 5xx page of a proxy
//     without the CP's error body): its outcome is unknown, and sending it elsewhere could spend
//     a token twice or mint two. Bootstrap says join_outcome_unknown and gives the way on.
// Each call starts at the URL that answered last (the first URL at first), so a dead replica
// costs one failed connection when it dies, not one on every heartbeat. A URL whose server does
// not answer at all costs up to the request timeout before the next is tried.
import { OtherixApiError, OtherixError, isOtherixError } from '../errors.js';

/** How a call may be repeated on another replica (see the rules above). */
export type CallKind = 'repeatable' | 'once';

export interface AttemptFailure {
  /** The origin the attempt went to. */
  cpUrl: string;
  /** What the client made of the failure: an OtherixApiError (an answer) or an OtherixError. */
  error: unknown;
  /** A TLS connection to that origin was open or opened: the request may have gone out. */
  mayHaveArrived: boolean;
  /** The answer carried the CP's own error body (a proxy's 5xx page does not). */
  cpAnswered: boolean;
}

function isAnswer(error: unknown): error is OtherixApiError {
  return isOtherixError(error) && 'status' in error;
}

/** Whether the call tries the next URL after this failure. */
export function movesOn(failure: AttemptFailure, kind: CallKind): boolean {
  const { error } = failure;
  if (isAnswer(error)) return error.status >= 500 && (kind === 'repeatable' || failure.cpAnswered);
  // Only a failed connection moves on: tls_failed (the pin or the identity did not hold, or the
  // client certificate could not be loaded), an answer that is not the CP's, and anything else stop.
  const connectionFailed = isOtherixError(error) && (error.code === 'unreachable' || error.code === 'timeout');
  return connectionFailed && (!failure.mayHaveArrived || kind === 'repeatable');
}

/** What a failed call knows about where its request went. */
export interface FailedCall {
  /** Every URL tried, in order, with the code it failed with. */
  attempts: Array<{ cpUrl: string; code: string }>;
  /** URLs the request may have reached without an answer coming back: its outcome there is unknown. */
  unknownAt: string[];
}

const failedCalls = new WeakMap<object, FailedCall>();

/** The record of the call that threw `error`, when the client threw it. */
export function failedCallOf(error: unknown): FailedCall | undefined {
  return error !== null && typeof error === 'object' ? failedCalls.get(error) : undefined;
}

const codeOf = (error: unknown): string =>
  isOtherixError(error) ? (isAnswer(error) ? `${error.code} (HTTP ${error.status})` : error.code) : 'error';

/**
 * The error a call throws after `failures`: the last one, when it stopped the call (a refusal, a
 * TLS failure, an unknown outcome); when every URL failed in a way that moved on, the CP's latest
 * answer if one came (it carries the status and Retry-After), else the last failure. With several
 * URLs its message also says what the others did.
 */
export function callError(failures: readonly AttemptFailure[], kind: CallKind): unknown {
  const last = failures[failures.length - 1];
  const chosen = movesOn(last, kind) ? ([...failures].reverse().find((failure) => isAnswer(failure.error)) ?? last) : last;
  let error = chosen.error;
  const others = failures.filter((failure) => failure !== chosen);
  if (others.length > 0 && isOtherixError(error)) {
    const also = others.map((failure) => `${failure.cpUrl}: ${codeOf(failure.error)}`).join('; ');
    const message = `${error.message} (the other control-plane URLs failed too: ${also})`;
    error = isAnswer(error)
      ? new OtherixApiError({
          status: error.status,
          code: error.code,
          message,
          details: error.details ?? {},
          cause: error,
          ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
        })
      : new OtherixError(error.code, message, { cause: error, ...(error.details !== undefined ? { details: error.details } : {}) });
  }
  if (error !== null && typeof error === 'object') {
    failedCalls.set(error, {
      attempts: failures.map((failure) => ({ cpUrl: failure.cpUrl, code: codeOf(failure.error) })),
      unknownAt: failures.filter((failure) => failure.mayHaveArrived && !isAnswer(failure.error)).map((failure) => failure.cpUrl),
    });
  }
  return error;
}
