// otherix api-token revoke <id>
import type { CommandInput } from '../../command-table.js';
import { outputFormat } from '../../argv/option-values.js';
import { idArgument } from '../../argv/id-argument.js';
import { withClient } from '../../connection.js';
import { print, printJson } from '../../output.js';

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const id = idArgument(input, 'an API token id', 'otherix api-token list');
  const token = await withClient(input, (client) => client.apiTokens.revoke(id));
  if (output === 'json') return printJson(token);
  print(`API token ${token.id} (${token.name}, ${token.role}) revoked.`);
}
