// otherix api-token revoke <id>
import type { CommandInput, OUTPUT_FLAGS } from '../../command-flags.js';
import { idArgument } from '../../id-argument.js';
import { withClient } from '../../connection.js';
import { print, printJson } from '../../output.js';

export async function run(input: CommandInput<typeof OUTPUT_FLAGS>): Promise<void> {
  const id = idArgument(input.args, 'an API token id', 'otherix api-token list');
  const token = await withClient(input.connection, (client) => client.apiTokens.revoke(id));
  if (input.options.output === 'json') return printJson(token);
  print(`API token ${token.id} (${token.name}, ${token.role}) revoked.`);
}
