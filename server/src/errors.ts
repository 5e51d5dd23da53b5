// The server's errors, all OtherixErrors with a code from the SDK's one vocabulary. HttpError is
// a refusal the CP answers over HTTP: a stable API code (openapi.yaml ErrorCode), its status
// from the SDK's table, a message for a person, and optional machine details. Everything else
// (a data dir the CP refuses, a store rule, a bad setting) is an OtherixError with its code.
import { OtherixError, isOtherixError } from '@otherix/sdk';
import { API_ERROR_STATUS, escapeControlCharacters } from '@otherix/sdk/internal';
import type { ApiErrorCode, OtherixErrorCode } from '@otherix/sdk';

export class HttpError extends OtherixError {
  override readonly name: string = 'HttpError';
  declare readonly code: ApiErrorCode;
  readonly statusCode: number;
  /** Extra response headers (e.g. Retry-After for rate_limited). */
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>, headers: Record<string, string> = {}) {
    super(code, message, details === undefined ? undefined : { details });
    this.statusCode = API_ERROR_STATUS[code];
    this.headers = headers;
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}

/**
 * Refusals of a server command that say everything themselves (a data dir the CP will not use,
 * an encrypted ca.key without its passphrase or with a wrong one, loose modes, another CP
 * holding the lock, admin-token's checks of its name, its user and its clash with a live token,
 * backup's --out that exists or cannot be written, restore's archive that is not a whole backup
 * or its data dir that is not empty): main prints
 * `error: <code>: <message>` and exits 1. Any other error is a failure to start, printed as
 * `error: <code>: failed to start: <message>`.
 */
const REFUSAL_CODES: ReadonlySet<OtherixErrorCode> = new Set([
  'data_dir_invalid',
  'data_dir_locked',
  'ca_key_locked',
  'ca_key_passphrase_wrong',
  'insecure_permissions',
  'validation_failed',
  'forbidden',
  'conflict',
  'backup_invalid',
  'file_write_failed',
]);

export function isRefusal(error: unknown): error is OtherixError {
  return isOtherixError(error) && REFUSAL_CODES.has(error.code);
}

/** The one line otherix-server prints for a failed command, in the CLI's and the agent's form: `error: <code>: <message>`. */
export function failureLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (isRefusal(error)) return escapeControlCharacters(`error: ${error.code}: ${message}`);
  const code = isOtherixError(error) ? error.code : 'internal';
  return escapeControlCharacters(`error: ${code}: failed to start: ${message}`);
}

/** A command line (or OTHERIX_SERVER__* value) otherix-server cannot use: `error: <code>: <message>: run ...--help`. */
export function usageLine(error: unknown): string {
  // parseArgs' own errors (an unknown flag, a missing value) are TypeErrors: usage, like cac's in the CLI.
  const code = isOtherixError(error) ? error.code : 'usage';
  const message = error instanceof Error ? error.message : String(error);
  return escapeControlCharacters(`error: ${code}: ${message}: run \`otherix-server --help\``);
}
