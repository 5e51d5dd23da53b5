// A refused join, retold as what the operator does next. The code, status and details stay
// the API's, so callers still match on `code` and `details.reason`.
import { OtherixApiError, isOtherixError } from '../errors.js';

const MINT = 'mint a new one with `otherix node join-token create`';

export function explainJoinRefusal(error: unknown, nodeName: string): unknown {
  if (!isOtherixError(error) || !('status' in error)) return error;
  const apiError = error as OtherixApiError;
  const details = (apiError.details ?? {}) as Record<string, unknown>;
  const reason = typeof details['reason'] === 'string' ? details['reason'] : undefined;
  let message: string | undefined;
  if (apiError.code === 'token_rejected') {
    switch (reason) {
      case 'expired':
        message = `join token expired${typeof details['expires_at'] === 'string' ? ` at ${details['expires_at']}` : ''}: ${MINT}`;
        break;
      case 'exhausted':
        message = `join token has no uses left (already redeemed up to its max uses): ${MINT}`;
        break;
      case 'revoked':
        message = `join token was revoked by an admin: ${MINT}`;
        break;
      case 'node_name_mismatch':
        message = `join token is bound to ${typeof details['node_name'] === 'string' ? `node name ${details['node_name']}` : 'another node name'}, not ${nodeName}: pass that --node-name, or mint a token for this one with \`otherix node join-token create --node-name ${nodeName}\``;
        break;
      case 'unknown':
        message = `the control plane does not know this join token: check the value (it is printed once, at mint time) and --cp-url, or ${MINT}`;
        break;
      default:
        message = `join token refused (${apiError.message}): ${MINT}`;
    }
  } else if (apiError.code === 'conflict') {
    message = `join refused: ${apiError.message}`;
  } else if (apiError.code === 'rate_limited') {
    message = `join refused: too many attempts with unknown tokens from this host: ${apiError.message}`;
  }
  if (message === undefined) return error;
  return new OtherixApiError({ code: apiError.code, status: apiError.status, message, details, cause: error });
}
