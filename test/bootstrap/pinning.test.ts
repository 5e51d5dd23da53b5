// Step 1 of the seed: the CA is pinned before anything else, and the token never travels to a
// server that is not the pinned cluster's CP.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toPem } from '@otherix/sdk/pki';
import { bootstrapArgs, listTree, runAgent } from '../harness/agent.js';
import type { AgentRun, NodeHost } from '../harness/agent.js';
import { clusterForNodes } from '../harness/cluster.js';
import { mintCa, mintServerCert, reachedImpostor, startImpostor, startPinSplitter } from '../harness/impostor-server.js';
import type { ImpostorServer } from '../harness/impostor-server.js';

const cluster = clusterForNodes(test);
const impostors: ImpostorServer[] = [];

test.after.always(async () => {
  for (const impostor of impostors) await impostor.close();
});

async function attempt(options: {
  cpUrl: string;
  caFingerprint: string;
  nodeName: string;
  token: string;
}): Promise<{ run: AgentRun; h: NodeHost }> {
  const h = await cluster.host();
  const run = await runAgent(
    [
      ...bootstrapArgs({
        cpUrl: options.cpUrl,
        caFingerprint: options.caFingerprint,
        nodeName: options.nodeName,
        certDir: h.certDir,
        configPath: h.configPath,
      }),
      '--token-env',
      'JOIN_TOKEN',
    ],
    { env: { JOIN_TOKEN: options.token } },
  );
  return { run, h };
}

async function consumed(tokenId: string): Promise<number> {
  const found = (await cluster.admin.joinTokens.list({ limit: 500 })).items.find((item) => item.id === tokenId);
  if (found === undefined) throw new Error('token not listed');
  return found.consumed;
}

test('a fingerprint mismatch exits 1 with both fingerprints, writes nothing and leaves the token unconsumed', async (t) => {
  const minted = await cluster.admin.joinTokens.create({ node_name: 'pin-typo', ttl_seconds: 600 });
  const typo = `sha256:${'0'.repeat(64)}`;
  const { run, h } = await attempt({ cpUrl: cluster.cp.url, caFingerprint: typo, nodeName: 'pin-typo', token: minted.token });
  t.is(run.exitCode, 1);
  t.is(
    run.stderr.trim(),
    `error: fingerprint_mismatch: fingerprint mismatch: got ${cluster.cp.caFingerprint}, expected ${typo}: check the value, or suspect a man in the middle`,
  );
  t.deepEqual(await listTree(h.root), [], 'nothing is written');
  t.is(await consumed(minted.id), 0, 'the token is still unconsumed');
  t.false(run.stderr.includes(minted.token));
});

test('a second server presenting another CA is refused before the token is sent', async (t) => {
  const minted = await cluster.admin.joinTokens.create({ node_name: 'pin-rogue', ttl_seconds: 600 });
  const rogueCa = mintCa('rogue');
  const rogue = await startImpostor({ serving: mintServerCert(rogueCa, 'spiffe://otherix/control-plane'), caPemToServe: rogueCa.certPem });
  impostors.push(rogue);
  const { run, h } = await attempt({
    cpUrl: rogue.url,
    caFingerprint: cluster.cp.caFingerprint,
    nodeName: 'pin-rogue',
    token: minted.token,
  });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: fingerprint_mismatch: /);
  t.deepEqual(
    rogue.requests.map((request) => `${request.method} ${request.url}`),
    ['GET /v1/ca'],
    'only the CA fetch reached it',
  );
  t.false(
    rogue.requests.some((request) => request.body.includes(minted.token)),
    'the token never reached it',
  );
  t.deepEqual(await listTree(h.root), []);
  t.is(await consumed(minted.id), 0);
});

test('a proxy relaying the real CA over its own certificate is refused before the token is sent', async (t) => {
  const minted = await cluster.admin.joinTokens.create({ node_name: 'pin-relay', ttl_seconds: 600 });
  const proxyCa = mintCa('proxy');
  const relay = await startImpostor({ serving: mintServerCert(proxyCa, 'spiffe://otherix/control-plane'), caPemToServe: cluster.cp.caPem });
  impostors.push(relay);
  const { run, h } = await attempt({
    cpUrl: relay.url,
    caFingerprint: cluster.cp.caFingerprint,
    nodeName: 'pin-relay',
    token: minted.token,
  });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: tls_failed: .*suspect a man in the middle/);
  t.deepEqual(
    relay.requests.map((request) => `${request.method} ${request.url}`),
    ['GET /v1/ca'],
  );
  t.false(relay.requests.some((request) => request.body.includes(minted.token)));
  t.deepEqual(await listTree(h.root), []);
  t.is(await consumed(minted.id), 0);
});

test('a man in the middle with the CP client.crt and the real CA plus its own in ca_pem never receives the token', async (t) => {
  const minted = await cluster.admin.joinTokens.create({ node_name: 'pin-split', ttl_seconds: 600 });
  const splitter = await startPinSplitter(cluster.cp);
  impostors.push(splitter);
  const { run, h } = await attempt({
    cpUrl: splitter.url,
    caFingerprint: cluster.cp.caFingerprint,
    nodeName: 'pin-split',
    token: minted.token,
  });
  t.is(run.exitCode, 1);
  t.regex(
    run.stderr,
    /^error: invalid_ca: the answer of https:\/\/127\.0\.0\.1:\d+\/v1\/ca holds 2 PEM blocks \(CERTIFICATE, CERTIFICATE\), not one certificate: .*suspect a man in the middle\n$/,
  );
  t.deepEqual(
    splitter.requests.map((request) => `${request.method} ${request.url}`),
    ['GET /v1/ca'],
    'only the CA fetch reached it',
  );
  t.false(reachedImpostor(splitter, minted.token), 'the token never reached it');
  t.deepEqual(await listTree(h.root), [], 'nothing is written, so its CA is planted nowhere');
  t.is(await consumed(minted.id), 0);
});

test("the CP's clientAuth-only client.crt cannot serve the pinned fetch: refused before the token is sent", async (t) => {
  const minted = await cluster.admin.joinTokens.create({ node_name: 'pin-client-crt', ttl_seconds: 600 });
  const impostor = await startImpostor({ serving: cluster.cp.clientCertificate, caPemToServe: cluster.cp.caPem });
  impostors.push(impostor);
  const { run, h } = await attempt({
    cpUrl: impostor.url,
    caFingerprint: cluster.cp.caFingerprint,
    nodeName: 'pin-client-crt',
    token: minted.token,
  });
  t.is(run.exitCode, 1);
  t.regex(
    run.stderr,
    /^error: tls_failed: .*is not a serving certificate \(no serverAuth extended key usage\): suspect a man in the middle/,
  );
  t.deepEqual(
    impostor.requests.map((request) => `${request.method} ${request.url}`),
    ['GET /v1/ca'],
  );
  t.false(reachedImpostor(impostor, minted.token));
  t.deepEqual(await listTree(h.root), []);
  t.is(await consumed(minted.id), 0);
});

test('ca.crt holds exactly the pinned certificate, byte for byte its re-encoded DER', async (t) => {
  const minted = await cluster.admin.joinTokens.create({ node_name: 'pin-ca-file', ttl_seconds: 600 });
  const { run, h } = await attempt({
    cpUrl: cluster.cp.url,
    caFingerprint: cluster.cp.caFingerprint,
    nodeName: 'pin-ca-file',
    token: minted.token,
  });
  t.is(run.exitCode, 0, run.stderr);
  const written = await readFile(join(h.certDir, 'ca.crt'), 'utf8');
  t.is(written, toPem('CERTIFICATE', new X509Certificate(cluster.cp.caPem).raw));
});
