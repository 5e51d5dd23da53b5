// audit(request, event, fields): the one way a change is written to the audit trail. One JSON
// line at info on the CP's log, whatever the route's own log level (heartbeat-like routes log at
// warn; an audit line must not vanish with them), with a stable shape:
//
//   {"level":30, "audit":true, "event":"node.cordoned", "actor":{"kind":"api_token","id":...,"name":"ops","role":"operator"},
//    "source_ip":"10.0.0.5", "reqId":"req-1f", "node_id":..., "node_name":"node-1", "msg":"audit: node.cordoned"}
//
// Per-request lines ("incoming request", "request completed") are at debug (request-logging.ts),
// so a production log at info is the audit trail plus what an operator must hear. The logger's
// redaction (log-redaction.ts) applies here too; the fields are chosen to hold no secret anyway.
import type { FastifyRequest } from 'fastify';
import type { AuditActor, AuditEventFields, AuditEventName } from './events.js';

export type { AuditActor, AuditEventFields, AuditEventName } from './events.js';

/** The caller of a request: its API token (bearer routes) or its node (mTLS routes). */
export function actorOf(request: FastifyRequest): AuditActor | null {
  const { principal, node } = request;
  if (principal !== null && principal !== undefined)
    return { kind: 'api_token', id: principal.tokenId, name: principal.name, role: principal.role };
  if (node !== null && node !== undefined) return { kind: 'node', id: node.nodeId, name: node.name, serial: node.serial };
  return null;
}

/**
 * Logs one change. `actor` defaults to the request's caller; a join passes its join token (the
 * host has no identity yet). Call it after the change committed, never for a refusal.
 */
export function audit<E extends AuditEventName>(
  request: FastifyRequest,
  event: E,
  fields: AuditEventFields[E],
  actor: AuditActor | null = actorOf(request),
): void {
  const line: Record<string, unknown> = { audit: true, event, actor, source_ip: request.ip, reqId: request.id, ...fields };
  request.server.log.info(line, `audit: ${event}`);
}
