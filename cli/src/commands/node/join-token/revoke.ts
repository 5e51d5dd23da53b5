// otherix node join-token revoke <token-id>
import type { CommandInput } from '../../../command-table.js';
import { outputFormat } from '../../../argv/option-values.js';
import { idArgument } from '../../../argv/id-argument.js';
import { withClient } from '../../../connection.js';
import { print, printJson } from '../../../output.js';

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const id = idArgument(input, 'a join token id', 'otherix node join-token list');
  const token = await withClient(input, (client) => client.joinTokens.revoke(id));
  if (output === 'json') return printJson(token);
  print(`Join token ${token.id} revoked (consumed ${token.consumed} time${token.consumed === 1 ? '' : 's'}).`);
}
