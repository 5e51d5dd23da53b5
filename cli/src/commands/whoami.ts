// otherix whoami [--output text|json]
import type { CommandInput } from '../command-table.js';
import { outputFormat } from '../argv/option-values.js';
import { withClient } from '../connection.js';
import { renderJson } from '../render/json.js';
import { print } from '../output.js';

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const whoami = await withClient(input, (client) => client.whoami());
  print(output === 'json' ? renderJson(whoami) : `Name: ${whoami.name}\nRole: ${whoami.role}`);
}
