// Answers of the wrong shape are failures, never successes: a heartbeat "accepted" by anything
// that answers 200 (a captive portal, a misrouted proxy) would hide that the CP never heard it.
import type { HeartbeatResponse, NodeStatus } from './types.js';
import { OtherixError } from '../errors.js';

// A record over the generated NodeStatus: the build fails if openapi.yaml's enum changes.
const NODE_STATUSES: Readonly<Record<NodeStatus, true>> = { pending: true, ready: true, not_ready: true, cordoned: true };

export function heartbeatAnswerOf(data: unknown, url: string): HeartbeatResponse {
  const status = (data as { status?: unknown } | null | undefined)?.status;
  if (typeof status === 'string' && Object.prototype.hasOwnProperty.call(NODE_STATUSES, status)) return data as HeartbeatResponse;
  throw new OtherixError(
    'invalid_response',
    `the answer from ${url} is not a heartbeat answer ({"status": <node status>}): the heartbeat did not land; check that cp_url points at the control plane`,
  );
}

/** A 2xx answer whose body is not the JSON it should be. */
export function notJson(url: string, cause: unknown): OtherixError {
  return new OtherixError('invalid_response', `the answer from ${url} is not JSON: check that the URL points at the control plane`, {
    cause,
  });
}
