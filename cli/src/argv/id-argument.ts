// An id positional, checked before anything is sent: a typo is a usage error (exit 2) that says
// where ids come from, not the server's schema text.
import { UsageError } from '../errors.js';
import type { CommandInput } from '../command-table.js';

// The API's Uuid schema (openapi.yaml), so a value accepted here is one the server accepts.
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The first positional as an id; `what` names it ("a join token id"), `listCommand` prints them. */
export function idArgument(input: CommandInput, what: string, listCommand: string): string {
  const id = input.args[0] ?? '';
  if (!UUID.test(id)) {
    throw new UsageError(`${JSON.stringify(id)} is not ${what}: give the id (a UUID) as printed by \`${listCommand}\``);
  }
  return id;
}
