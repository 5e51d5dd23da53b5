// Step 4 of the seed: the join answer is re-verified before anything is written. A control plane
// that answers with a certificate that is not ours (another key, another CA, a bundle without
// the pinned CA) is refused, nothing is written, and the message says the token is spent.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { bootstrapArgs, listTree, makeNodeHost, runAgent } from '../harness/agent.js';
import type { AgentRun, NodeHost } from '../harness/agent.js';
import { mintCa, mintServerCert, startImpostor } from '../harness/impostor-server.js';
import type { ImpostorServer, KeyAndCert } from '../harness/impostor-server.js';
import { joinNode } from '../harness/cluster.js';
import type { JoinedNode } from '../harness/cluster.js';

let cp: ControlPlane;
let serving: KeyAndCert;
let victim: JoinedNode;
const hosts: NodeHost[] = [];
const impostors: ImpostorServer[] = [];
const TOKEN = `otx_join_${'R'.repeat(43)}`;

test.before(async () => {
  cp = await startControlPlane();
  // The CP's own serving identity: the pin and the SPIFFE check pass, only the answer is wrong.
  serving = {
    certPem: await readFile(join(cp.dataDir, 'server.crt'), 'utf8'),
    keyPem: await readFile(join(cp.dataDir, 'server.key'), 'utf8'),
  };
  victim = await joinNode(cp, 'reverify-victim');
});

test.after.always(async () => {
  for (const impostor of impostors) await impostor.close();
  await cp?.close();
  for (const host of hosts) await host.remove();
});

async function bootstrapAgainst(answer: { certificate_pem: string; ca_bundle_pem: string }): Promise<{ run: AgentRun; h: NodeHost }> {
  const impostor = await startImpostor({
    serving,
    caPemToServe: cp.caPem,
    joinAnswer: { node: victim.node, ...answer },
  });
  impostors.push(impostor);
  const h = await makeNodeHost();
  hosts.push(h);
  const run = await runAgent(
    [
      ...bootstrapArgs({
        cpUrl: impostor.url,
        caFingerprint: cp.caFingerprint,
        nodeName: 'reverify-victim',
        certDir: h.certDir,
        configPath: h.configPath,
      }),
      '--token-env',
      'T',
    ],
    { env: { T: TOKEN } },
  );
  return { run, h };
}

test('a leaf that holds another key is refused (key_mismatch)', async (t) => {
  const { run, h } = await bootstrapAgainst({ certificate_pem: victim.cert.certPem, ca_bundle_pem: cp.caPem });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: key_mismatch: .*the join token is spent: .*otherix node join-token create/);
  t.deepEqual(await listTree(h.root), []);
});

test('a leaf from another CA is refused (chain_invalid)', async (t) => {
  const otherCa = mintCa('other');
  const leaf = mintServerCert(otherCa, 'spiffe://otherix/node/reverify-victim');
  const { run, h } = await bootstrapAgainst({ certificate_pem: leaf.certPem, ca_bundle_pem: cp.caPem });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: chain_invalid: the certificate was not issued by the pinned CA/);
  t.deepEqual(await listTree(h.root), []);
});

test('a CA bundle without the pinned CA is refused (chain_invalid)', async (t) => {
  const otherCa = mintCa('other bundle');
  const { run, h } = await bootstrapAgainst({ certificate_pem: victim.cert.certPem, ca_bundle_pem: otherCa.certPem });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, new RegExp(`^error: chain_invalid: the join answer's CA bundle does not hold the pinned CA ${cp.caFingerprint}`));
  t.deepEqual(await listTree(h.root), []);
});
