// otherix node get <node-name> [--show-ids] [--output text|json]
import type { CommandInput } from '../../command-table.js';
import { booleanOption, outputFormat } from '../../argv/option-values.js';
import { withClient } from '../../connection.js';
import { UsageError } from '../../errors.js';
import { renderNodeDetail } from '../../render/nodes.js';
import { print, printJson } from '../../output.js';

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const showIds = booleanOption(input, 'showIds');
  const name = input.args[0] ?? '';
  if (name === '') throw new UsageError('the node name is empty: give one as printed by `otherix node list`');
  // A UUID is sent as is: the API refuses it with validation_failed, and says why.
  const node = await withClient(input, (client) => client.nodes.get(name));
  if (output === 'json') return printJson(node);
  print(renderNodeDetail(node, { showIds }));
}
