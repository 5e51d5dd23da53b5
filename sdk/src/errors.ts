// One error type for the whole SDK. Callers and tests match on `code` (never on the message,
// never on `instanceof` across package copies: see isOtherixError).

/** Codes the control plane returns in `{"error": {"code": ...}}` (openapi.yaml ErrorCode). */
export type ApiErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'token_rejected'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'internal'
  | 'unavailable'
  | 'ca_retired';

/**
 * Codes for failures detected locally, before or without an API answer, by any package: the
 * SDK, the CLI, the agent (including what its own API and its logs say) and the CP's commands.
 * One list, so a code means one thing wherever it is printed or logged; sdk/README.md's error
 * table documents each (test/architecture/error-codes.test.ts holds source, list and table together).
 */
export const LOCAL_ERROR_CODES = Object.freeze([
  // bad input from a person: flags, arguments, settings
  'usage',
  'config_invalid',
  'config_missing',
  'invalid_duration',
  'invalid_token',
  'invalid_fingerprint',
  // PKI: what the CA, a CSR, a certificate or a key is
  'invalid_ca',
  'fingerprint_mismatch',
  'invalid_csr',
  'invalid_der',
  'csr_signature_invalid',
  'unsupported_key',
  'chain_invalid',
  'key_mismatch',
  'identity_mismatch',
  'certificate_expired',
  // files on the host: the agent's cert dir and agent.yaml, the CP's data dir
  'file_write_failed',
  'insufficient_space',
  'insecure_permissions',
  'bootstrap_partial_state',
  'cert_file_missing',
  'cert_file_unreadable',
  'cert_file_invalid',
  'cert_material_lost',
  'data_dir_invalid',
  'data_dir_locked',
  'ca_key_locked',
  'ca_key_passphrase_wrong',
  'backup_invalid',
  'invalid_cursor',
  // the connection and the answer
  'unreachable',
  'tls_failed',
  'timeout',
  'invalid_response',
  'clock_skew',
  'join_outcome_unknown',
  'renewal_outcome_unknown',
  // the agent's own API (agent-openapi.yaml)
  'method_not_allowed',
] as const);

export type LocalErrorCode = (typeof LOCAL_ERROR_CODES)[number];

export type OtherixErrorCode = ApiErrorCode | LocalErrorCode;

export interface OtherixErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** The HTTP status the CP answers with for each API error code (SPEC "Errors"). */
export const API_ERROR_STATUS: Record<ApiErrorCode, number> = Object.freeze({
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
});

/** The codes the CP (and the agent's API) answer with: openapi.yaml's ErrorCode. */
export const API_ERROR_CODES: readonly ApiErrorCode[] = Object.freeze(Object.keys(API_ERROR_STATUS) as ApiErrorCode[]);

/** Every code, API and local: the one vocabulary. */
export const ERROR_CODES: readonly OtherixErrorCode[] = Object.freeze([...API_ERROR_CODES, ...LOCAL_ERROR_CODES]);

/**
 * True when `value` is one of API_ERROR_CODES (a code an API answer may carry).
 * @throws nothing
 */
export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(API_ERROR_STATUS, value);
}

/** The body of an API error answer (openapi.yaml's and agent-openapi.yaml's Error schema). */
export interface ErrorBody {
  error: { code: OtherixErrorCode; message: string; details?: Record<string, unknown> };
}

/** `{"error": {code, message, details?}}`: how the CP and the agent answer a refusal. */
export function errorBody(code: OtherixErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

// Symbol.for is process-global, so two copies of the SDK share the brand (subclasses inherit it).
const OTHERIX_ERROR_BRAND = Symbol.for('otherix.error');

/**
 * Every error the SDK throws, and every error the otherix binaries report: `code` is one of
 * ERROR_CODES (the table in sdk/README.md says what each means and what to do), `message` says
 * what happened and what to do next, `details` carries machine-readable facts when there are some.
 * Match on `code` with isOtherixError(error, code), never on the message.
 * @example
 * try { await connectAdmin(); } catch (error) { if (isOtherixError(error, 'fingerprint_mismatch')) ... }
 */
export class OtherixError extends Error {
  override readonly name: string = 'OtherixError';
  readonly code: OtherixErrorCode;
  // `declare`: no own property at all unless details were given.
  declare readonly details?: Record<string, unknown>;

  static {
    Object.defineProperty(OtherixError.prototype, OTHERIX_ERROR_BRAND, { value: true });
  }

  constructor(code: OtherixErrorCode, message: string, options?: OtherixErrorOptions) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    if (options?.details !== undefined) (this as { details?: Record<string, unknown> }).details = options.details;
  }
}

/** The init-object form of OtherixApiError's constructor (used by the client's error mapping). */
export interface OtherixApiErrorInit extends OtherixErrorOptions {
  status: number;
  code: ApiErrorCode;
  message: string;
  /** From the answer's Retry-After header (429, 503), in ms. */
  retryAfterMs?: number;
}

/** An error body returned by the control plane; `status` is the HTTP status it came with. */
export class OtherixApiError extends OtherixError {
  override readonly name: string = 'OtherixApiError';
  declare readonly code: ApiErrorCode;
  readonly status: number;
  /** How long the answer asked the caller to wait (its Retry-After header), when it said. */
  declare readonly retryAfterMs?: number;

  constructor(status: number, code: ApiErrorCode, message: string, options?: OtherixErrorOptions);
  constructor(init: OtherixApiErrorInit);
  constructor(statusOrInit: number | OtherixApiErrorInit, code?: ApiErrorCode, message?: string, options?: OtherixErrorOptions) {
    if (typeof statusOrInit === 'object') {
      const { status, code: initCode, message: initMessage, retryAfterMs, ...rest } = statusOrInit;
      super(initCode, initMessage, rest);
      this.status = status;
      if (retryAfterMs !== undefined) (this as { retryAfterMs?: number }).retryAfterMs = retryAfterMs;
    } else {
      super(code as ApiErrorCode, message ?? '', options);
      this.status = statusOrInit;
    }
  }
}

/**
 * True for any OtherixError or subclass (optionally with the given code). Duck-typed on a
 * global-symbol brand or `name`, plus `code`, so it holds across two copies of the SDK in one
 * process, where `instanceof` would not.
 * @throws nothing
 * @example
 * if (isOtherixError(error, 'token_rejected')) console.error(error.details?.['reason']);
 */
export function isOtherixError(err: unknown, code?: OtherixErrorCode): err is OtherixError {
  if (err === null || typeof err !== 'object') return false;
  const candidate = err as { name?: unknown; code?: unknown; [OTHERIX_ERROR_BRAND]?: unknown };
  const branded = candidate[OTHERIX_ERROR_BRAND] === true;
  if (!branded && candidate.name !== 'OtherixError' && candidate.name !== 'OtherixApiError') return false;
  if (typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}
