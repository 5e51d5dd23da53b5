// A renewal whose answer never came. Once the connection to the CP was up, the request went out
// on it, and the CP may have signed a new leaf before the answer was lost (a cut connection, a
// timeout). Nothing is lost either way: the CP keeps accepting the current certificate until the
// node first uses a new one, and a renewal retried with the current certificate gets a new leaf
// (the one whose answer was lost is superseded). So the way on is simply to renew again.
import { OtherixError, isOtherixError } from '../errors.js';

/** `error` as the unknown outcome it is, when the request was sent and no answer came; undefined otherwise. */
export function unknownRenewalOutcome(
  error: unknown,
  context: { requestSent: boolean; nodeName: string; serial: string; cpUrl: string },
): OtherixError | undefined {
  if (!context.requestSent) return undefined;
  // An API error body is the CP's answer: a known refusal.
  if (isOtherixError(error) && 'status' in error) return undefined;
  const cause = isOtherixError(error) ? error.code : 'error';
  const why =
    cause === 'timeout'
      ? 'no answer within the request timeout'
      : `the connection failed: ${error instanceof Error ? error.message : String(error)}`;
  return new OtherixError(
    'renewal_outcome_unknown',
    `the renewal request for ${context.nodeName} reached the control plane at ${context.cpUrl}, but no answer came back (${why}): ` +
      `the control plane may have signed a new certificate that this host never received. Nothing was written here, and the current certificate ` +
      `(serial ${context.serial}) keeps working until the node uses a new one: renew again (\`otherix-agent renew --force\`; a running serve retries by itself)`,
    { cause: error, details: { node_name: context.nodeName, serial: context.serial, cause } },
  );
}
