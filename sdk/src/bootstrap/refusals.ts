// A refused join, told as what the operator does next. The CP's messages already say it (they
// carry the expiry time, the bound name, ...); the agent keeps them, and adds the way out only
// where an answer lacks one. The code, status and details stay the API's, so callers still
// match on `code` and `details.reason`.
import { OtherixApiError, isOtherixError } from '../errors.js';

const MINT = 'mint a new one with `otherix node join-token create`';

const FALLBACK_BY_REASON: Readonly<Record<string, string>> = {
  unknown: `the control plane does not know this join token: check the value (it is printed once, at mint time) and --cp-url, or ${MINT}`,
  expired: `the join token expired: ${MINT}`,
  revoked: `the join token was revoked: ${MINT}`,
  exhausted: `the join token has no uses left: ${MINT}`,
  node_name_mismatch: `the join token is bound to another node name: pass that --node-name, or ${MINT} --node-name <this node>`,
};

export function explainJoinRefusal(error: unknown): unknown {
  if (!isOtherixError(error) || !('status' in error)) return error;
  const apiError = error as OtherixApiError;
  if (!['token_rejected', 'conflict', 'rate_limited'].includes(apiError.code)) return error;
  const reason = apiError.details?.['reason'];
  let message = apiError.message;
  if (apiError.code === 'token_rejected' && !message.includes('otherix node join-token create')) {
    message = (typeof reason === 'string' ? FALLBACK_BY_REASON[reason] : undefined) ?? `${message}: ${MINT}`;
  }
  return new OtherixApiError({
    code: apiError.code,
    status: apiError.status,
    message: `join refused: ${message}`,
    ...(apiError.details !== undefined ? { details: apiError.details } : {}),
    cause: error,
  });
}
