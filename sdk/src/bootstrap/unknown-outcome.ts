// A join whose answer never came. Once the connection to the CP was up, the request went out on
// it, and the CP may have redeemed the token and created the node (pending) before the answer was
// lost (a cut connection, a timeout, a proxy that dropped it). Neither "check the URL" nor "run it
// again" is right then: the same token may be spent, and a fleet token cannot re-issue a name that
// now exists. The way on that works in both cases is a token bound to the name and --force.
import { OtherixError, isOtherixError } from '../errors.js';

/**
 * `error` as the unknown outcome it is, when the join request was sent and no answer from the CP
 * came back; undefined when the CP answered (a refusal is a known outcome) or nothing was sent.
 */
export function unknownJoinOutcome(
  error: unknown,
  context: { requestSent: boolean; nodeName: string; cpUrl: string },
): OtherixError | undefined {
  if (!context.requestSent) return undefined;
  // An API error body is the CP's answer: the join was refused and nothing was spent.
  if (isOtherixError(error) && 'status' in error) return undefined;
  const name = context.nodeName;
  const cause = isOtherixError(error) ? error.code : 'error';
  const why =
    cause === 'timeout' ? `no answer within the request timeout (--request-timeout)` : `the connection failed: ${innermost(error)}`;
  return new OtherixError(
    'join_outcome_unknown',
    `the join request for ${name} reached the control plane at ${context.cpUrl}, but no answer came back (${why}): ` +
      `the join token may have been spent and a pending node ${name} may exist. Nothing was written on this host. ` +
      `To go on, mint a token bound to this node (\`otherix node join-token create --node-name ${name}\`) and re-run this bootstrap with that token and --force ` +
      `(\`otherix node join-token consumptions <token-id>\` shows whether the first token was used)`,
    { cause: error, details: { node_name: name, cause: cause } },
  );
}

/** The innermost cause, as `CODE: message`: what the connection itself said, not the SDK's advice. */
function innermost(error: unknown): string {
  let found = isOtherixError(error) ? error.code : String(error);
  for (let current: unknown = error, depth = 0; current !== null && typeof current === 'object' && depth < 8; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (!isOtherixError(current) && typeof message === 'string') found = typeof code === 'string' ? `${code}: ${message}` : message;
    current = cause;
  }
  return found;
}
