// One error type for the SDK: callers match on `code`, across package copies, never on text.
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { ApiErrorCode, components } from '@otherix/sdk';
import { API_ERROR_CODES, LOCAL_ERROR_CODES, OtherixApiError, OtherixError, isApiErrorCode, isOtherixError } from '@otherix/sdk';
import { API_ERROR_STATUS } from '@otherix/sdk/internal';
import { repoPath } from '../harness/paths.js';

test('OtherixError carries code, message, details and cause', (t) => {
  const cause = new Error('disk full');
  const error = new OtherixError('file_write_failed', 'cannot write x', { cause, details: { path: '/x' } });
  t.true(error instanceof Error);
  t.is(error.name, 'OtherixError');
  t.is(error.code, 'file_write_failed');
  t.is(error.message, 'cannot write x');
  t.deepEqual(error.details, { path: '/x' });
  t.is(error.cause, cause);
  t.false('details' in new OtherixError('usage', 'no details'));
});

test('OtherixApiError: positional and init-object constructors agree', (t) => {
  const a = new OtherixApiError(409, 'conflict', 'name taken', { details: { node_name: 'n1' } });
  const b = new OtherixApiError({ status: 409, code: 'conflict', message: 'name taken', details: { node_name: 'n1' } });
  for (const error of [a, b]) {
    t.true(error instanceof OtherixError);
    t.is(error.name, 'OtherixApiError');
    t.is(error.status, 409);
    t.is(error.code, 'conflict');
    t.is(error.message, 'name taken');
    t.deepEqual(error.details, { node_name: 'n1' });
  }
});

test('API_ERROR_STATUS matches the SPEC table', (t) => {
  t.deepEqual(
    { ...API_ERROR_STATUS },
    {
      validation_failed: 400,
      unauthenticated: 401,
      token_rejected: 401,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      payload_too_large: 413,
      rate_limited: 429,
      internal: 500,
      unavailable: 503,
      ca_retired: 401,
    },
  );
  t.deepEqual([...API_ERROR_CODES].sort(), Object.keys(API_ERROR_STATUS).sort());
  t.true(isApiErrorCode('rate_limited'));
  t.false(isApiErrorCode('usage'));
  t.false(isApiErrorCode('toString'));
  // Local and API codes never overlap: a code alone says where a failure came from.
  t.deepEqual(
    LOCAL_ERROR_CODES.filter((code) => (API_ERROR_CODES as readonly string[]).includes(code)),
    [],
  );
});

test('isOtherixError is duck-typed on name and code, so it works across SDK copies', (t) => {
  const error = new OtherixError('invalid_token', 'bad');
  t.true(isOtherixError(error));
  t.true(isOtherixError(error, 'invalid_token'));
  t.false(isOtherixError(error, 'usage'));
  t.true(isOtherixError(new OtherixApiError(429, 'rate_limited', 'slow down'), 'rate_limited'));
  // What another copy of the package would throw: same shape, different class.
  const foreign = Object.assign(new Error('x'), { name: 'OtherixError', code: 'timeout' });
  t.true(isOtherixError(foreign, 'timeout'));
  t.false(isOtherixError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })));
  // A subclass with its own name is still one (brand through the prototype).
  class UsageProblem extends OtherixError {
    override readonly name = 'UsageProblem';
  }
  t.true(isOtherixError(new UsageProblem('usage', 'two token sources'), 'usage'));
  t.true(isOtherixError(Object.assign(new Error('x'), { [Symbol.for('otherix.error')]: true, code: 'usage' }), 'usage'));
  t.false(isOtherixError({ name: 'OtherixError' }));
  t.false(isOtherixError(null));
  t.false(isOtherixError('invalid_token'));
});

// The codes stay consistent with the contract: the SDK's ApiErrorCode list is openapi.yaml's
// ErrorCode enum, and every error response an operation declares uses the status of its code.
type Contract = components['schemas']['ErrorCode'];
const sameCodes: [Contract] extends [ApiErrorCode] ? ([ApiErrorCode] extends [Contract] ? true : false) : false = true;

test('ApiErrorCode and API_ERROR_STATUS agree with openapi.yaml', (t) => {
  t.true(sameCodes);
  for (const file of ['openapi.json', 'agent-openapi.json']) {
    const doc = JSON.parse(readFileSync(repoPath(`sdk/src/generated/${file}`), 'utf8')) as OpenApi;
    const enumCodes = doc.components?.schemas?.['ErrorCode']?.enum;
    if (enumCodes !== undefined) t.deepEqual([...enumCodes].sort(), [...API_ERROR_CODES].sort(), file);
    const named = doc.components?.responses ?? {};
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          const ref = response.$ref?.replace('#/components/responses/', '');
          const description = ref === undefined ? response.description : named[ref]?.description;
          const code = /`([a-z_]+)`/.exec(description ?? '')?.[1];
          if (code === undefined || !isApiErrorCode(code) || Number(status) < 400) continue;
          t.is(API_ERROR_STATUS[code], Number(status), `${file} ${method.toUpperCase()} ${path} ${status} (${code})`);
          checked++;
        }
      }
    }
    if (file === 'openapi.json') t.true(checked > 10);
  }
});

interface OpenApi {
  paths?: Record<string, Record<string, { responses?: Record<string, { $ref?: string; description?: string }> }>>;
  components?: {
    schemas?: Record<string, { enum?: string[] }>;
    responses?: Record<string, { description?: string }>;
  };
}
