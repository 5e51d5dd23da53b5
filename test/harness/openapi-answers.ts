// An OpenAPI 3.1 document read as the contract tests need it: which operation a request is,
// every answer (operation and status) the document promises, and whether an answer matches its
// schema, checked with ajv (the validator Fastify's ajv-compiler brings, here on the JSON Schema
// 2020-12 dialect of OpenAPI 3.1, strict, without coercion and without removing unknown fields,
// so that drift is reported, never repaired).
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import * as formats from 'ajv-formats';
import { rewriteRefs } from '@otherix/server';

type Json = Record<string, unknown>;

export interface OpenApiDocumentLike {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Json>; responses?: Record<string, Json> };
}

export interface OperationMatch {
  operationId: string;
  method: string;
  /** The path template, e.g. /v1/nodes/{node}. */
  template: string;
  operation: Json;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const RESPONSE_REF = '#/components/responses/';

export class OpenApiAnswers {
  private readonly ajv = new Ajv2020({ strict: true, allErrors: true, coerceTypes: false, useDefaults: false, removeAdditional: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly operations: OperationMatch[] = [];

  constructor(private readonly document: OpenApiDocumentLike) {
    formats.default(this.ajv);
    // OpenAPI's `discriminator` is an annotation here: ajv's own implementation refuses
    // `mapping`, and every oneOf the documents use is decided by a `const` anyway.
    this.ajv.addKeyword({ keyword: 'discriminator' });
    // Each components.schemas entry as its own schema `Name`, its refs rewritten to match (as the server does).
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {}))
      this.ajv.addSchema({ ...rewriteRefs(schema), $id: name });
    for (const [template, item] of Object.entries(document.paths)) {
      for (const method of HTTP_METHODS) {
        const operation = item[method] as Json | undefined;
        if (operation !== undefined)
          this.operations.push({ operationId: String(operation['operationId']), method: method.toUpperCase(), template, operation });
      }
    }
    // A literal segment wins over a template variable (/v1/nodes/join is not /v1/nodes/{node}).
    this.operations.sort((a, b) => variables(a.template) - variables(b.template));
  }

  /** The operation a request is, by method and path (query ignored); undefined if none. */
  operationAt(method: string, path: string): OperationMatch | undefined {
    const pathname = path.split('?')[0];
    return this.operations.find((op) => op.method === method.toUpperCase() && templatePattern(op.template).test(pathname));
  }

  /** Every `operationId status` the document promises (`4XX` and the like as written). */
  documentedAnswers(): string[] {
    return this.operations
      .flatMap((op) => Object.keys((op.operation['responses'] as Json | undefined) ?? {}).map((status) => `${op.operationId} ${status}`))
      .sort();
  }

  /** The documented answer a status falls under: `404`, else `4XX`, else `default`. */
  documentedStatus(op: OperationMatch, status: number): string | undefined {
    const responses = (op.operation['responses'] as Json | undefined) ?? {};
    return [String(status), `${String(status)[0]}XX`, 'default'].find((key) => key in responses);
  }

  /** What is wrong with an answer, by the document: empty when it matches. */
  problemsOf(op: OperationMatch, answer: Answer): string[] {
    const status = this.documentedStatus(op, answer.status);
    if (status === undefined) return [`${answer.status} is not a documented answer of ${op.operationId}`];
    let response = (op.operation['responses'] as Record<string, Json>)[status];
    let at = `${op.operationId} ${status}`;
    const ref = response['$ref'];
    if (typeof ref === 'string') {
      at = ref;
      response = this.document.components?.responses?.[ref.slice(RESPONSE_REF.length)] ?? {};
    }
    const problems: string[] = [];
    const schema = (response['content'] as Record<string, Json> | undefined)?.['application/json']?.['schema'] as Json | undefined;
    if (schema === undefined) {
      if (answer.text !== '') problems.push(`${status} documents no body, but one was sent: ${answer.text.slice(0, 200)}`);
    } else {
      const type = String(answer.headers['content-type'] ?? '');
      if (!type.startsWith('application/json')) problems.push(`content-type ${type || '(none)'} is not application/json`);
      problems.push(...this.check(`${at} body`, schema, parse(answer.text), 'body'));
    }
    for (const [name, header] of Object.entries((response['headers'] as Record<string, Json> | undefined) ?? {})) {
      const value = answer.headers[name.toLowerCase()];
      const headerSchema = header['schema'] as Json | undefined;
      if (value === undefined || headerSchema === undefined) continue;
      const typed = headerSchema['type'] === 'integer' || headerSchema['type'] === 'number' ? Number(value) : value;
      problems.push(...this.check(`${at} header ${name}`, headerSchema, typed, `header ${name}`));
    }
    return problems;
  }

  private check(key: string, schema: Json, value: unknown, what: string): string[] {
    let validate = this.validators.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(rewriteRefs(schema));
      this.validators.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${what}${e.instancePath}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
  }
}

function variables(template: string): number {
  return (template.match(/\{/g) ?? []).length;
}

function templatePattern(template: string): RegExp {
  const escaped = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+')}$`);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
