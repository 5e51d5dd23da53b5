// otherix node get <node-name> [--show-ids] [--output text|json]
import type { CommandInput } from '../../command-table.js';
import { booleanOption, outputFormat } from '../../argv/option-values.js';
import { withClient } from '../../connection.js';
import { renderJson } from '../../render/json.js';
import { renderNodeDetail } from '../../render/nodes.js';
import { print } from '../../output.js';

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const showIds = booleanOption(input, 'showIds');
  // A UUID is sent as is: the API refuses it with validation_failed, and says why.
  const node = await withClient(input, (client) => client.nodes.get(input.args[0]!));
  print(output === 'json' ? renderJson(node) : renderNodeDetail(node, { showIds }));
}
