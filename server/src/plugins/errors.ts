// One error handler: every refusal leaves as {"error": {code, message, details?}} with a stable
// code. Validation errors name the field and the rule; anything unexpected is `internal` with a
// generic message (the real error is logged; messages and logs never carry secrets).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, openApiDocument } from '@otherix/sdk/internal';
import { isHttpError } from '../errors.js';
import { resourceKindOf, resourceShortName } from '../services/resource-alarm.js';
import { sharedPlugin } from './shared-plugin.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** The pattern openapi.yaml puts on node-written text (`advertised_endpoint`, `agent_version`, hardware). */
const NO_CONTROL_CHARACTERS = '^[^\\x00-\\x1F\\x7F-\\x9F]*$';

/** `body.migration.port_range_end: must be <= 65535`, `body: unknown field "colour" (remove it)`. */
function validationMessage(context: string | undefined, errors: AjvError[], bodyAllOptional = false): { message: string; field: string } {
  const first = errors[0];
  const where = (context ?? 'request') + (first?.instancePath ?? '').replace(/\//g, '.');
  const field = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (first === undefined) return { message: `${where}: invalid`, field };
  if (first.keyword === 'additionalProperties') {
    const name = String(first.params['additionalProperty']);
    return {
      message: `${where}: unknown field ${JSON.stringify(name)}: remove it (unknown fields are refused)`,
      field: field === '' ? name : `${field}.${name}`,
    };
  }
  if (first.keyword === 'required') {
    const name = String(first.params['missingProperty']);
    return { message: `${where}: missing required field ${JSON.stringify(name)}`, field: field === '' ? name : `${field}.${name}` };
  }
  if (first.keyword === 'type' && first.params['type'] === 'null' && context === 'body' && first.instancePath === '') {
    return { message: 'body: this operation takes no body: send none (an empty body is fine)', field: 'body' };
  }
  // openapi.yaml's rule for text a node or joiner writes: its pattern is no sentence for a person.
  if (first.keyword === 'pattern' && first.params['pattern'] === NO_CONTROL_CHARACTERS) {
    return { message: `${where}: holds a control character (C0, DEL or C1), which text shown on terminals may not: remove it`, field };
  }
  const next = advice(first, where === 'body' && bodyAllOptional);
  // A whole body of the wrong type (`null`, an array) is the field `body`.
  return {
    message: `${where}: ${first.message ?? 'is invalid'}${next === undefined ? '' : `: ${next}`}`,
    field: field === '' ? (context ?? 'request') : field,
  };
}

/** What to do next, per rule (Ajv's message says only what is wrong). */
function advice(error: AjvError, emptyObjectWorks: boolean): string | undefined {
  const { params } = error;
  switch (error.keyword) {
    case 'type':
      switch (String(params['type'])) {
        case 'object':
          return emptyObjectWorks ? 'send a JSON object, `{}` for the defaults' : 'send a JSON object';
        case 'boolean':
          return 'use true or false';
        case 'integer':
          return 'use a whole number (not a string)';
        case 'number':
          return 'use a number (not a string)';
        case 'string':
          return 'use a string';
        case 'array':
          return 'use a JSON array';
        default:
          return undefined;
      }
    case 'enum':
      return `one of: ${(params['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'maxLength':
      return `at most ${String(params['limit'])} characters`;
    case 'minLength':
      return `at least ${String(params['limit'])} character${params['limit'] === 1 ? '' : 's'}`;
    case 'format':
      return `give a valid ${String(params['format'])}`;
    default:
      return undefined;
  }
}

/** Whether `{}` is a valid body for this route: its body schema (a shared-schema ref) requires no field. */
function bodyAllOptional(schema: unknown): boolean {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  if (typeof ref !== 'string') return false;
  const target = openApiDocument.components.schemas[ref.replace(/#$/, '')];
  return target !== undefined && ((target['required'] as unknown[] | undefined) ?? []).length === 0;
}

function reply(
  replyTo: FastifyReply,
  status: number,
  body: ReturnType<typeof errorBody>,
  headers: Record<string, string> = {},
): FastifyReply {
  return replyTo.code(status).headers(headers).type('application/json; charset=utf-8').send(body);
}

export default sharedPlugin('otherix-errors', async (app) => {
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, replyTo: FastifyReply) => {
    if (isHttpError(error)) {
      // Messages never carry secrets (they are written for the caller, who may be anyone).
      request.log.debug({ code: error.code, reason: error.details?.['reason'] }, `refused: ${error.message}`);
      return reply(replyTo, error.statusCode, errorBody(error.code, error.message, error.details), error.headers);
    }
    if (error.validation !== undefined) {
      const { message, field } = validationMessage(
        error.validationContext,
        error.validation,
        bodyAllOptional(request.routeOptions.schema?.body),
      );
      return reply(replyTo, 400, errorBody('validation_failed', message, { field }));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply(replyTo, 413, errorBody('payload_too_large', 'the request body is over the 1 MiB limit: send a smaller body'));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply(replyTo, 400, errorBody('validation_failed', 'the request body must be JSON: send Content-Type: application/json'));
    }
    if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)) {
      // Bad JSON and other malformed requests: the parser's message says where, never echoes a body.
      const message = error instanceof SyntaxError ? 'the request body is not valid JSON' : 'the request is malformed';
      return reply(replyTo, 400, errorBody('validation_failed', `${message}: check the body and the headers`));
    }
    const exhausted = resourceKindOf(error);
    if (exhausted !== undefined) {
      // Said once per episode with the fix (the resource alarm); each request only at debug.
      app.resourceAlarm.failed(error, `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`);
      request.log.debug({ err: error, resource: exhausted }, 'request failed: resource exhausted');
      return reply(
        replyTo,
        500,
        errorBody(
          'internal',
          `the control plane cannot store this right now (${resourceShortName(exhausted)}): nothing was changed; retry later (its operator is told in the server log)`,
        ),
      );
    }
    request.log.error({ err: error }, 'request failed');
    return reply(
      replyTo,
      500,
      errorBody(
        'internal',
        'the control plane failed to handle this request; it has been logged: retry, and if it persists, read the server log',
      ),
    );
  });

  app.setNotFoundHandler(async (request, replyTo) =>
    reply(
      replyTo,
      404,
      errorBody('not_found', `no such route: ${request.method} ${request.url.split('?')[0]}; see openapi.yaml for the API`),
    ),
  );
});
