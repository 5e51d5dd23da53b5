// otherix node join-token create [--ttl 1h] [--max-uses 0] [--node-name NAME] [--output text|json]
import { OtherixError, nodeNameProblem, type JoinTokenCreateRequest } from '@otherix/sdk';
import type { CommandInput, JOIN_TOKEN_CREATE_FLAGS } from '../../../command-table.js';
import { withClient } from '../../../connection.js';
import { renderJoinTokenCreated } from '../../../render/mint-block.js';
import { print, printJson } from '../../../output.js';

export async function run(input: CommandInput<typeof JOIN_TOKEN_CREATE_FLAGS>): Promise<void> {
  const { ttl, maxUses, nodeName, output } = input.options;
  const request: JoinTokenCreateRequest = { ttl_seconds: ttl, max_uses: maxUses };
  if (nodeName !== undefined) {
    // The SDK's rule, the one the CP and the join apply: a name no node could take is a typo.
    const problem = nodeNameProblem(nodeName);
    if (problem !== undefined) throw new OtherixError('usage', `--node-name ${problem}`);
    request.node_name = nodeName;
  }

  const created = await withClient(input.connection, (client) => client.joinTokens.create(request));
  if (output === 'json') return printJson(created);
  print(renderJoinTokenCreated(created));
}
