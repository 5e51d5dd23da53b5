// otherix whoami [--output text|json]
import type { CommandInput, WHOAMI_FLAGS } from '../command-flags.js';
import { withClient } from '../connection.js';
import { print, printJson } from '../output.js';

export async function run(input: CommandInput<typeof WHOAMI_FLAGS>): Promise<void> {
  const whoami = await withClient(input.connection, (client) => client.whoami());
  if (input.options.output === 'json') return printJson(whoami);
  print(`Name: ${whoami.name}\nRole: ${whoami.role}`);
}
