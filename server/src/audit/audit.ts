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
//
// A command that changes the cluster without a CP (`otherix-server admin-token`, on the data dir
// or the database) writes the same line itself (commandAuditLine), on its own stderr: the same
// format, event and fields, the actor the host's user (`host_user`), `source_ip` and `reqId` null
// (no request). Audit events are log lines, not rows: there is no store to add it to.
import { hostname, userInfo } from 'node:os';
import type { FastifyRequest } from 'fastify';
import { redactTokens } from '../log-redaction.js';
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

/** The user on this host running `command` (an otherix-server command run without the CP). */
export function hostUserActor(command: string): AuditActor {
  let user: string | null = null;
  try {
    user = userInfo().username;
  } catch {
    // A uid without a passwd entry (a container): the uid says who.
  }
  const sudoUser = process.env['SUDO_USER'];
  return {
    kind: 'host_user',
    command,
    uid: process.getuid?.() ?? null,
    user,
    sudo_user: sudoUser === undefined || sudoUser === '' ? null : sudoUser,
  };
}

/**
 * The audit line of a change a command made without the CP, as the CP's logger would write it
 * (`level`, `time`, `pid`, `hostname`, then the fields, then `msg`; token shapes cut out of the
 * string fields, as the CP's logger does), with `source_ip` and `reqId` null. Newline-terminated.
 */
export function commandAuditLine<E extends AuditEventName>(
  event: E,
  fields: AuditEventFields[E],
  actor: AuditActor,
  now: number = Date.now(),
): string {
  const line: Record<string, unknown> = {
    level: 'info',
    time: new Date(now).toISOString(),
    pid: process.pid,
    hostname: hostname(),
    audit: true,
    event,
    actor,
    source_ip: null,
    reqId: null,
    ...fields,
    msg: `audit: ${event}`,
  };
  for (const [key, value] of Object.entries(line)) if (typeof value === 'string') line[key] = redactTokens(value);
  return `${JSON.stringify(line)}\n`;
}
