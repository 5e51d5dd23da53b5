// otherix node join-token create [--ttl 1h] [--max-uses 0] [--node-name NAME] [--output text|json]
import { nodeNameProblem, type JoinTokenCreateRequest } from '@otherix/sdk';
import type { CommandInput } from '../../../command-table.js';
import { integerOption, outputFormat, stringOption } from '../../../argv/option-values.js';
import { durationSecondsOption } from '../../../argv/duration-option.js';
import { withClient } from '../../../connection.js';
import { UsageError } from '../../../errors.js';
import { renderJoinTokenCreated } from '../../../render/mint-block.js';
import { print, printJson } from '../../../output.js';

/** The API's ttl_seconds maximum (2^31-1); the CP clamps every TTL to [1m, 24h] (seed). */
const MAX_TTL_SECONDS = 2_147_483_647;

export async function run(input: CommandInput): Promise<void> {
  const output = outputFormat(input);
  const request: JoinTokenCreateRequest = {
    ttl_seconds: durationSecondsOption(input, 'ttl', '1h', MAX_TTL_SECONDS)!,
    max_uses: integerOption(input, 'max-uses', 0, 1_000_000) ?? 0,
  };
  const nodeName = stringOption(input, 'node-name');
  if (nodeName !== undefined) {
    // The SDK's rule, the one the CP and the join apply: a name no node could take is a typo.
    const problem = nodeNameProblem(nodeName);
    if (problem !== undefined) throw new UsageError(`--node-name ${problem}`);
    request.node_name = nodeName;
  }

  const created = await withClient(input, (client) => client.joinTokens.create(request));
  if (output === 'json') return printJson(created);
  print(renderJoinTokenCreated(created));
}
