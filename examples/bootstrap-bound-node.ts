// Example (a): mint a token bound to one node name and bootstrap that node programmatically.
//
// What it shows: the pre-bound, single-use minting mode (`--node-name`), bootstrapNode() doing
// the agent's whole bootstrap in-process (pin the CA, P-384 key + CSR, redeem, re-verify, write
// agent.key 0600 / agent.crt / ca.crt and agent.yaml atomically), re-running it (idempotent),
// the token being single-use, and the consumption audit entry for the new node.
//
// Run it (needs an admin API token; the node's files go to a temp folder removed at the end):
//   npm run build
//   OTHERIX_CP_URL=https://127.0.0.1:8443 OTHERIX_CA_FINGERPRINT=sha256:... \
//   OTHERIX_TOKEN="$(cat otherix-data/admin.token)" node examples/dist/bootstrap-bound-node.js [node-name]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapNode, connectAdmin, maskToken } from '@otherix/sdk';
import { joinedNode, loopbackNode, refusalOf, runExample } from './example-helpers.js';

runExample(async () => {
  const nodeName = process.argv[2] ?? `example-${randomBytes(3).toString('hex')}`;
  const { cpUrl, caFingerprint, client } = await connectAdmin();
  const home = await mkdtemp(join(tmpdir(), 'otherix-example-node-'));
  try {
    console.log(`pinned the cluster CA ${caFingerprint} at ${cpUrl}`);

    // 1. Bound to one name: the CP forces max_uses to 1.
    const minted = await client.joinTokens.create({ node_name: nodeName, ttl_seconds: 600 });
    console.log(
      `minted join token ${minted.id} (${maskToken(minted.token)}) bound to ${minted.node_name}, max uses ${minted.max_uses}, expires ${minted.expires_at}`,
    );

    // 2. What `otherix-agent bootstrap` does, as a library call.
    const options = loopbackNode(minted, cpUrl, nodeName, home);
    const joined = joinedNode(await bootstrapNode(options));
    console.log(`bootstrapped node ${joined.node.name} (id ${joined.node.id}, status ${joined.node.status}, serial ${joined.serial})`);
    for (const file of ['certs/agent.key', 'certs/agent.crt', 'certs/ca.crt', 'agent.yaml']) {
      const mode = ((await stat(join(home, file))).mode & 0o777).toString(8).padStart(4, '0');
      console.log(`  wrote ${file} (mode ${mode})`);
    }

    // 3. Re-running is safe: the cert set is complete, so nothing is redeemed.
    const again = await bootstrapNode(options);
    console.log(`re-run: ${again.kind.replace('_', ' ')}`);

    // 4. The token was consumed by the join: a second host cannot use it.
    const second = await refusalOf('token_rejected', 'a second redemption of the bound token', () =>
      bootstrapNode(loopbackNode(minted, cpUrl, nodeName, join(home, 'other'))),
    );
    console.log(`second redemption refused: ${second.code} (${String(second.details?.['reason'])})`);

    // 5. The audit trail: which node consumed the token, when, from where.
    for await (const consumption of client.joinTokens.consumptionsAll(minted.id)) {
      console.log(`consumption ${consumption.id}: node ${consumption.node_id} at ${consumption.consumed_at} from ${consumption.source_ip}`);
    }
    const node = await client.nodes.get(nodeName);
    console.log(
      `node ${node.name} is ${node.status} until its agent heartbeats (on a real host: otherix-agent serve --config <its agent.yaml>)`,
    );
  } finally {
    await client.close();
    // The folder holds the node's private key: do not leave it behind.
    await rm(home, { recursive: true, force: true });
  }
});
