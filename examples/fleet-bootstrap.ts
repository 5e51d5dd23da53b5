// Example (b): fleet bootstrap with a capped token, then the consumption audit.
//
// What it shows: the fleet minting mode (no node name, `max_uses` N), N hosts joining at once
// with that one token (each supplies its own node name), the cap holding under concurrency
// (host N+1 is refused with token_rejected/exhausted), and the audit trail that maps each
// consumption to the node that made it.
//
// Run it (needs an admin API token; each host's files go to a temp folder removed at the end):
//   npm run build
//   OTHERIX_CP_URL=https://127.0.0.1:8443 OTHERIX_CA_FINGERPRINT=sha256:... \
//   OTHERIX_TOKEN="$(cat otherix-data/admin.token)" node examples/dist/fleet-bootstrap.js [hosts=3]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapNode, connectAdmin, isOtherixError, maskToken, OtherixError } from '@otherix/sdk';
import { loopbackNode, runExample } from './example-helpers.js';

runExample(async () => {
  const hosts = Number(process.argv[2] ?? 3);
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > 50) throw new OtherixError('usage', 'hosts must be an integer from 1 to 50');
  const fleet = `fleet-${randomBytes(3).toString('hex')}`;
  const { cpUrl, client } = await connectAdmin();
  const home = await mkdtemp(join(tmpdir(), 'otherix-example-fleet-'));
  try {
    const minted = await client.joinTokens.create({ max_uses: hosts, ttl_seconds: 900 });
    console.log(
      `minted fleet join token ${minted.id} (${maskToken(minted.token)}), max uses ${minted.max_uses}, expires ${minted.expires_at}`,
    );

    // One more host than the cap, all at once: exactly `hosts` of them get an identity.
    const names = Array.from({ length: hosts + 1 }, (_, i) => `${fleet}-${i + 1}`);
    const outcomes = await Promise.allSettled(
      names.map((nodeName) => bootstrapNode(loopbackNode(minted, cpUrl, nodeName, join(home, nodeName)))),
    );
    const nameById = new Map<string, string>();
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled' && outcome.value.kind === 'joined') {
        nameById.set(outcome.value.node.id, outcome.value.node.name);
        console.log(`joined ${outcome.value.node.name} (id ${outcome.value.node.id}, serial ${outcome.value.serial})`);
      } else if (outcome.status === 'rejected' && isOtherixError(outcome.reason, 'token_rejected')) {
        console.log(`refused ${names[i]}: ${outcome.reason.code} (${String(outcome.reason.details?.['reason'])})`);
      } else {
        throw outcome.status === 'rejected' ? outcome.reason : new OtherixError('internal', `unexpected outcome for ${names[i]}`);
      }
    });

    for await (const token of client.joinTokens.listAll({ include_expired: true })) {
      if (token.id === minted.id) console.log(`token ${token.id}: consumed ${token.consumed}/${token.max_uses}`);
    }

    console.log('consumptions (ID | NODE | CONSUMED-AT | SOURCE-IP):');
    for await (const c of client.joinTokens.consumptionsAll(minted.id)) {
      console.log(`  ${c.id} | ${nameById.get(c.node_id) ?? c.node_id} | ${c.consumed_at} | ${c.source_ip}`);
    }
  } finally {
    await client.close();
    await rm(home, { recursive: true, force: true });
  }
});
