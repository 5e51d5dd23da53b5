// One exchange of a contract test: a request sent through Prism's validating proxy to the real
// server, and the answer held to the document twice, by Prism (third party, `sl-violations`)
// and by ajv against the document's schemas (test/harness/openapi-answers.ts). Each exchange
// records the documented answer it reached, so a test can prove every one was driven.
import type { ExecutionContext } from 'ava';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import type { OpenApiAnswers, OperationMatch } from './openapi-answers.js';
import { violationsOf } from './prism-proxy.js';
import type { PrismProxy, Violation } from './prism-proxy.js';
import { HOP_CLIENT, HOP_TARGET } from './tls-hop.js';

export interface ContractCall {
  method: Dispatcher.HttpMethod;
  /** Path and query, e.g. /v1/nodes?limit=1. */
  path: string;
  /** An API token, sent as Authorization: Bearer. */
  token?: string;
  /** The TLS hop's client certificate to present (mTLS operations). */
  client?: string;
  /** The TLS hop's target server, when it has more than one. */
  target?: string;
  /** JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The status the server must answer. */
  expect: number;
  /**
   * Why the request breaks the document on purpose (to reach a documented refusal): Prism must
   * find at least one request violation then. Unset, it must find none.
   */
  breaksDocument?: string;
}

export interface ContractAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON, or undefined. */
  body: any;
  operation: OperationMatch | undefined;
  /** What Prism found in the request. */
  requestViolations: Violation[];
  /** What Prism found in the answer. */
  responseViolations: Violation[];
  /** What ajv found in the answer, by the document's schemas. */
  schemaProblems: string[];
}

/** Prism 5 cannot check a mutualTLS requirement and says so as a warning; that one is not a violation. */
function isUnsupportedMutualTls(violation: Violation): boolean {
  return violation.severity === 'Warning' && /security scheme: mutualTLS/.test(violation.message ?? '');
}

export class ContractExchanges {
  private readonly reached = new Set<string>();

  constructor(
    private readonly prism: PrismProxy,
    private readonly answers: OpenApiAnswers,
  ) {}

  /** Sends without judging (the drift tests judge the findings themselves). */
  async send(call: Omit<ContractCall, 'expect'>): Promise<ContractAnswer> {
    const headers: Record<string, string> = { ...(call.headers ?? {}) };
    if (call.token !== undefined) headers['authorization'] = `Bearer ${call.token}`;
    if (call.client !== undefined) headers[HOP_CLIENT] = call.client;
    if (call.target !== undefined) headers[HOP_TARGET] = call.target;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await request(`${this.prism.url}${call.path}`, { method: call.method, headers, body });
    const text = await answer.body.text();
    const found = violationsOf(answer.headers);
    const operation = this.answers.operationAt(call.method, call.path);
    const result = { status: answer.statusCode, headers: answer.headers, text };
    return {
      ...result,
      body: parseJson(text),
      operation,
      requestViolations: found.filter((v) => v.location?.[0] !== 'response'),
      responseViolations: found.filter((v) => v.location?.[0] === 'response'),
      schemaProblems:
        operation === undefined
          ? [`${call.method} ${call.path} is no operation of the document`]
          : this.answers.problemsOf(operation, result),
    };
  }

  /** Sends, and fails the test on any finding it did not ask for; records the answer reached. */
  async call(t: ExecutionContext, call: ContractCall): Promise<ContractAnswer> {
    const answer = await this.send(call);
    const what = `${call.method} ${call.path}${call.client === undefined ? '' : ` (client ${call.client})`}`;
    const context = `${what} -> ${answer.status} ${answer.text.slice(0, 300)}`;
    t.is(answer.status, call.expect, context);
    t.deepEqual(answer.responseViolations, [], `Prism: the answer breaks the document: ${context}`);
    t.deepEqual(answer.schemaProblems, [], `ajv: the answer breaks the document: ${context}`);
    const requestViolations = answer.requestViolations.filter((v) => !isUnsupportedMutualTls(v));
    if (call.breaksDocument === undefined) {
      t.deepEqual(requestViolations, [], `Prism: the request breaks the document: ${what}`);
    } else {
      t.true(
        requestViolations.some((v) => v.severity === 'Error'),
        `Prism should find the request invalid (${call.breaksDocument}): ${what}`,
      );
    }
    if (answer.operation !== undefined) {
      const documented = this.answers.documentedStatus(answer.operation, answer.status);
      if (documented !== undefined) this.reached.add(`${answer.operation.operationId} ${documented}`);
    }
    return answer;
  }

  /** Documented answers (operationId status) no exchange has reached yet. */
  unreached(): string[] {
    return this.answers.documentedAnswers().filter((answer) => !this.reached.has(answer));
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
