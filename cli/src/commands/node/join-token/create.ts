// otherix node join-token create [--ttl 1h] [--max-uses 0] [--node-name NAME] [--print-bootstrap-command] [--output text|json]
import { OtherixError, type JoinTokenCreateRequest } from '@otherix/sdk';
import { isLoopbackHost, nodeNameProblem } from '@otherix/sdk/internal';
import type { CommandInput, JOIN_TOKEN_CREATE_FLAGS } from '../../../command-flags.js';
import { withClient } from '../../../connection.js';
import { renderBootstrapCommand } from '../../../render/bootstrap-command.js';
import { renderJoinTokenCreated } from '../../../render/mint-block.js';
import { print, printJson } from '../../../output.js';

export async function run(input: CommandInput<typeof JOIN_TOKEN_CREATE_FLAGS>): Promise<void> {
  const { ttl, maxUses, nodeName, printBootstrapCommand, output } = input.options;
  // --output json is the API's body unchanged; a command line in it would not be.
  if (printBootstrapCommand && output === 'json') {
    throw new OtherixError(
      'usage',
      '--print-bootstrap-command prints text after the mint block: leave out --output json (the JSON body has ca_fingerprint to build the command from)',
    );
  }
  const request: JoinTokenCreateRequest = { ttl_seconds: ttl, max_uses: maxUses };
  if (nodeName !== undefined) {
    // The SDK's rule, the one the CP and the join apply: a name no node could take is a typo.
    const problem = nodeNameProblem(nodeName);
    if (problem !== undefined) throw new OtherixError('usage', `--node-name ${problem}`);
    request.node_name = nodeName;
  }

  const { created, cpUrl } = await withClient(input.connection, async (client, settings) => ({
    created: await client.joinTokens.create(request),
    cpUrl: settings.cpUrl!,
  }));
  if (output === 'json') return printJson(created);
  if (!printBootstrapCommand) return print(renderJoinTokenCreated(created));
  print(`${renderJoinTokenCreated(created)}\n\n${renderBootstrapCommand(created, cpUrl)}`);
  if (isLoopbackHost(new URL(cpUrl).hostname)) {
    process.stderr.write(
      `warning: the CP URL ${cpUrl} is this machine's loopback: on another host, use an address of the CP that its certificate names (otherix-server --advertise-host)\n`,
    );
  }
}
