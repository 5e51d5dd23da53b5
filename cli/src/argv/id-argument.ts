// An id positional, checked before anything is sent: a typo is a usage error (exit 2) that says
// where ids come from, not the server's schema text.
import { isUuid } from '@otherix/sdk';
import { UsageError } from '../errors.js';
import type { CommandInput } from '../command-table.js';

/** The first positional as an id; `what` names it ("a join token id"), `listCommand` prints them. */
export function idArgument(input: CommandInput, what: string, listCommand: string): string {
  const id = input.args[0] ?? '';
  // The SDK's UUID check, the shape of the API's Uuid schema.
  if (!isUuid(id)) {
    throw new UsageError(`${JSON.stringify(id)} is not ${what}: give the id (a UUID) as printed by \`${listCommand}\``);
  }
  return id;
}
