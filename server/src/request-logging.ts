// Per-request log lines at debug. Fastify writes "incoming request" and "request completed" at
// info for every request: on a cluster of thousands of nodes that is most of the log, and the
// changes an operator must find (audit/audit.ts) drown in it. Here both go to debug, so a log at
// info is the audit trail plus warnings and errors; `--log-level debug` brings every request back.
// A request that fails inside the CP still logs at error (Fastify's "request errored"), and
// refusals keep their own lines (node refusals at warn in plugins/node-identity.ts, every other
// refusal at debug in plugins/errors.ts).
import { LogController } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

export class DebugRequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, _request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
