// One error type for every refusal the CP answers: a stable API code (openapi.yaml ErrorCode),
// its status from the SDK's table, a message for a person, and optional machine details.
import { API_ERROR_STATUS } from '@otherix/sdk';
import type { ApiErrorCode } from '@otherix/sdk';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;
  /** Extra response headers (e.g. Retry-After for rate_limited). */
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.statusCode = API_ERROR_STATUS[code];
    this.details = details;
    this.headers = headers;
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}

/** The error body of openapi.yaml's Error schema. */
export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: ApiErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
