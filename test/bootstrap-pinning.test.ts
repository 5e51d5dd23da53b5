// Step 1 of the seed: the CA is pinned before anything else, and the token never travels to a
// server that is not the pinned cluster's CP.
import test from 'ava';
import { createClient } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';
import { startControlPlane } from './helpers/control-plane.js';
import type { ControlPlane } from './helpers/control-plane.js';
import { bootstrapArgs, listTree, makeNodeHost, runAgent } from './helpers/agent.js';
import type { AgentRun, NodeHost } from './helpers/agent.js';
import { mintCa, mintServerCert, startImpostor } from './helpers/impostor-server.js';
import type { ImpostorServer } from './helpers/impostor-server.js';

let cp: ControlPlane;
let admin: OtherixClient;
const hosts: NodeHost[] = [];
const impostors: ImpostorServer[] = [];

test.before(async () => {
  cp = await startControlPlane();
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  for (const impostor of impostors) await impostor.close();
  for (const host of hosts) await host.remove();
});

async function attempt(options: { cpUrl: string; caFingerprint: string; nodeName: string; token: string }): Promise<{ run: AgentRun; h: NodeHost }> {
  const h = await makeNodeHost();
  hosts.push(h);
  const run = await runAgent(
    [
      ...bootstrapArgs({ cpUrl: options.cpUrl, caFingerprint: options.caFingerprint, nodeName: options.nodeName, certDir: h.certDir, configPath: h.configPath }),
      '--token-env', 'JOIN_TOKEN',
    ],
    { env: { JOIN_TOKEN: options.token } },
  );
  return { run, h };
}

async function consumed(tokenId: string): Promise<number> {
  const found = (await admin.joinTokens.list({ limit: 500 })).items.find((item) => item.id === tokenId);
  if (found === undefined) throw new Error('token not listed');
  return found.consumed;
}

test('a fingerprint mismatch exits 1 with both fingerprints, writes nothing and leaves the token unconsumed', async (t) => {
  const minted = await admin.joinTokens.create({ node_name: 'pin-typo', ttl_seconds: 600 });
  const typo = `sha256:${'0'.repeat(64)}`;
  const { run, h } = await attempt({ cpUrl: cp.url, caFingerprint: typo, nodeName: 'pin-typo', token: minted.token });
  t.is(run.exitCode, 1);
  t.is(
    run.stderr.trim(),
    `error: fingerprint_mismatch: fingerprint mismatch: got ${cp.caFingerprint}, expected ${typo}: check the value, or suspect a man in the middle`,
  );
  t.deepEqual(await listTree(h.root), [], 'nothing is written');
  t.is(await consumed(minted.id), 0, 'the token is still unconsumed');
  t.false(run.stderr.includes(minted.token));
});

test('a second server presenting another CA is refused before the token is sent', async (t) => {
  const minted = await admin.joinTokens.create({ node_name: 'pin-rogue', ttl_seconds: 600 });
  const rogueCa = mintCa('rogue');
  const rogue = await startImpostor({ serving: mintServerCert(rogueCa, 'spiffe://otherix/control-plane'), caPemToServe: rogueCa.certPem });
  impostors.push(rogue);
  const { run, h } = await attempt({ cpUrl: rogue.url, caFingerprint: cp.caFingerprint, nodeName: 'pin-rogue', token: minted.token });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: fingerprint_mismatch: /);
  t.deepEqual(rogue.requests.map((request) => `${request.method} ${request.url}`), ['GET /v1/ca'], 'only the CA fetch reached it');
  t.false(rogue.requests.some((request) => request.body.includes(minted.token)), 'the token never reached it');
  t.deepEqual(await listTree(h.root), []);
  t.is(await consumed(minted.id), 0);
});

test('a proxy relaying the real CA over its own certificate is refused before the token is sent', async (t) => {
  const minted = await admin.joinTokens.create({ node_name: 'pin-relay', ttl_seconds: 600 });
  const proxyCa = mintCa('proxy');
  const relay = await startImpostor({ serving: mintServerCert(proxyCa, 'spiffe://otherix/control-plane'), caPemToServe: cp.caPem });
  impostors.push(relay);
  const { run, h } = await attempt({ cpUrl: relay.url, caFingerprint: cp.caFingerprint, nodeName: 'pin-relay', token: minted.token });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: tls_failed: .*suspect a man in the middle/);
  t.deepEqual(relay.requests.map((request) => `${request.method} ${request.url}`), ['GET /v1/ca']);
  t.false(relay.requests.some((request) => request.body.includes(minted.token)));
  t.deepEqual(await listTree(h.root), []);
  t.is(await consumed(minted.id), 0);
});
