// otherix node join-token revoke <token-id>
import type { CommandInput, OUTPUT_FLAGS } from '../../../command-flags.js';
import { idArgument } from '../../../id-argument.js';
import { withClient } from '../../../connection.js';
import { print, printJson } from '../../../output.js';

export async function run(input: CommandInput<typeof OUTPUT_FLAGS>): Promise<void> {
  const id = idArgument(input.args, 'a join token id', 'otherix node join-token list');
  const token = await withClient(input.connection, (client) => client.joinTokens.revoke(id));
  if (input.options.output === 'json') return printJson(token);
  print(`Join token ${token.id} revoked (consumed ${token.consumed} time${token.consumed === 1 ? '' : 's'}).`);
}
