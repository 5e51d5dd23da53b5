// otherix node get <node-name> [--show-ids] [--output text|json]
import { OtherixError } from '@otherix/sdk';
import type { CommandInput, NODE_GET_FLAGS } from '../../command-flags.js';
import { withClient } from '../../connection.js';
import { renderNodeDetail } from '../../render/nodes.js';
import { print, printJson } from '../../output.js';

export async function run(input: CommandInput<typeof NODE_GET_FLAGS>): Promise<void> {
  const { showIds, output } = input.options;
  const name = input.args[0] ?? '';
  if (name === '') throw new OtherixError('usage', 'the node name is empty: give one as printed by `otherix node list`');
  // A UUID is sent as is: the API refuses it with validation_failed, and says why.
  const node = await withClient(input.connection, (client) => client.nodes.get(name));
  if (output === 'json') return printJson(node);
  print(renderNodeDetail(node, { showIds }));
}
