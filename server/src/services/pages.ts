// Paging inputs from the API (limit/cursor) to the store, with the API's defaults.
import { HttpError } from '../errors.js';
import { isOtherixError } from '@otherix/sdk';
import type { PageRequest } from '../store/store.js';

const DEFAULT_PAGE_LIMIT = 100;

export function pageRequest(query: { limit?: number | undefined; cursor?: string | undefined }): PageRequest {
  return { limit: query.limit ?? DEFAULT_PAGE_LIMIT, cursor: query.cursor };
}

/** Runs a store read, turning a foreign cursor into 400 validation_failed. */
export async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isOtherixError(error, 'invalid_cursor')) {
      throw new HttpError('validation_failed', 'cursor: not a cursor this control plane returned; list again without a cursor', {
        field: 'cursor',
      });
    }
    throw error;
  }
}
