// An id positional, checked before anything is sent: a typo is a usage error (exit 2) that says
// where ids come from, not the server's schema text.
import { OtherixError, isUuid } from '@otherix/sdk';

/** The first positional as an id; `what` names it ("a join token id"), `listCommand` prints them. */
export function idArgument(args: readonly string[], what: string, listCommand: string): string {
  const id = args[0] ?? '';
  // The SDK's UUID check, the shape of the API's Uuid schema.
  if (!isUuid(id)) {
    throw new OtherixError('usage', `${JSON.stringify(id)} is not ${what}: give the id (a UUID) as printed by \`${listCommand}\``);
  }
  return id;
}
