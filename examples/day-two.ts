// Example (c): day-2 operations on a node: list by status, cordon, uncordon, delete.
//
// What it shows: `client.nodes.listAll({ status })` for each status; cordon and uncordon (sync,
// idempotent: the second call changes nothing); delete refused with 409 conflict while the node
// hosts VMs, then delete with `force: true`; and the deleted node's certificate refused from
// then on. It works on a node of its own, never on yours: it bootstraps one (a bound token,
// bootstrapNode into a temp folder) and sends one heartbeat as that node over mTLS, reporting
// two VMs, as its agent would.
//
// Run it (needs an admin API token; cordon/uncordon alone would take an operator token):
//   npm run build
//   OTHERIX_CP_URL=https://127.0.0.1:8443 OTHERIX_CA_FINGERPRINT=sha256:... \
//   OTHERIX_TOKEN="$(cat otherix-data/admin.token)" node examples/dist/day-two.js
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapNode, connectAdmin, createClient } from '@otherix/sdk';
import type { HeartbeatRequest, NodeStatus, OtherixClient } from '@otherix/sdk';
import { joinedNode, loopbackNode, refusalOf, runExample } from './example-helpers.js';

const STATUSES: NodeStatus[] = ['ready', 'pending', 'not_ready', 'cordoned'];

async function printNodesByStatus(client: OtherixClient): Promise<void> {
  for (const status of STATUSES) {
    const names: string[] = [];
    for await (const node of client.nodes.listAll({ status })) names.push(node.name);
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, ...` : names.join(', ');
    console.log(`  ${status}: ${names.length}${names.length > 0 ? ` (${shown})` : ''}`);
  }
}

runExample(async () => {
  const nodeName = `day2-${randomBytes(3).toString('hex')}`;
  const { cpUrl, caPem, client } = await connectAdmin();
  const home = await mkdtemp(join(tmpdir(), 'otherix-example-day2-'));
  let asNode: OtherixClient | undefined;
  try {
    // A node of our own: joined, then one heartbeat reporting two VMs.
    const minted = await client.joinTokens.create({ node_name: nodeName, ttl_seconds: 600 });
    const joined = joinedNode(await bootstrapNode(loopbackNode(minted, cpUrl, nodeName, home)));
    const id = joined.node.id;
    asNode = createClient({
      cpUrl,
      caPem,
      clientCertificate: {
        certPem: await readFile(join(home, 'certs/agent.crt'), 'utf8'),
        keyPem: await readFile(join(home, 'certs/agent.key'), 'utf8'),
      },
    });
    const heartbeat: HeartbeatRequest = {
      architecture: joined.node.architecture,
      agent_version: 'example',
      heartbeat_interval_seconds: 30,
      hardware: {
        cpu_model: 'example',
        cpu_count: 8,
        memory_bytes: 32 * 2 ** 30,
        kvm_present: true,
        hostname: nodeName,
        kernel: 'example',
      },
      vm_count: 2,
      active_migrations: 0,
    };
    const beat = await asNode.nodes.heartbeat(heartbeat);
    console.log(`node ${nodeName} (id ${id}) joined and heartbeated: ${beat.status}, hosting 2 VMs`);

    console.log('nodes by status:');
    await printNodesByStatus(client);

    // Cordon: out of VM placement, its VMs keep running. Idempotent.
    for (const attempt of ['cordon', 'cordon again']) {
      const node = await client.nodes.cordon(id);
      console.log(`${attempt}: ${node.name} is ${node.status}`);
    }
    const cordoned: string[] = [];
    for await (const node of client.nodes.listAll({ status: 'cordoned' })) cordoned.push(node.name);
    console.log(`listed as cordoned: ${cordoned.includes(nodeName)}`);
    const uncordoned = await client.nodes.uncordon(id);
    console.log(`uncordon: ${uncordoned.name} is ${uncordoned.status}`);

    // Delete refuses while the node hosts VMs; force overrides (and revokes its certificate).
    const unforced = await refusalOf('conflict', 'deleting a node that hosts VMs without force', () => client.nodes.delete(id));
    console.log(`delete without force refused: ${unforced.code}: ${unforced.message}`);
    await client.nodes.delete(id, { force: true });
    console.log(`delete with force: ${nodeName} deleted`);
    const gone = await refusalOf('not_found', `reading the deleted node ${nodeName}`, () => client.nodes.get(nodeName));
    console.log(`get ${nodeName}: ${gone.code}`);
    const deleted = asNode;
    const unheard = await refusalOf('unauthenticated', "a heartbeat with the deleted node's certificate", () =>
      deleted.nodes.heartbeat(heartbeat),
    );
    console.log(`heartbeat with the deleted node's certificate refused: ${unheard.code}`);
  } finally {
    await asNode?.close();
    await client.close();
    await rm(home, { recursive: true, force: true });
  }
});
