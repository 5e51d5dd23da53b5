// otherix whoami [--output text|json]
import type { CommandInput } from '../command-table.js';
import { outputFormat } from '../argv/option-values.js';
import { withClient } from '../connection.js';
import { print, printJson } from '../output.js';

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const whoami = await withClient(input, (client) => client.whoami());
  if (output === 'json') return printJson(whoami);
  print(`Name: ${whoami.name}\nRole: ${whoami.role}`);
}
