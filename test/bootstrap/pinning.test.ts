// Step 1 of the seed: the CA is pinned before anything else, and the token never travels to a
// server that is not the pinned cluster's CP.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toPem } from '@otherix/sdk/pki';
import { bootstrapWithToken, listTree } from '../harness/agent.js';
import type { AgentRun, NodeHost } from '../harness/agent.js';
import { clusterForNodes } from '../harness/cluster.js';
import { PIN_SPLITTER_REFUSAL, reachedImpostor, requestLines } from '../harness/impostor-server.js';
import { startImpostor, startOwnCaImpostor, startPinSplitter } from '../harness/impostor-server.js';
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
  const run = await bootstrapWithToken(
    {
      cpUrl: options.cpUrl,
      caFingerprint: options.caFingerprint,
      nodeName: options.nodeName,
      certDir: h.certDir,
      configPath: h.configPath,
    },
    options.token,
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

/**
 * Bootstraps through `impostor` with the real CA pinned, and checks that the refusal came before
 * the token left: exit 1 with `stderr`, only GET /v1/ca reached it, the token never did (body nor
 * headers), nothing is written (so its CA is planted nowhere), and the token is still unconsumed.
 */
async function refusedBeforeTheToken(t: ExecutionContext, impostor: ImpostorServer, nodeName: string, stderr: RegExp): Promise<void> {
  impostors.push(impostor);
  const minted = await cluster.admin.joinTokens.create({ node_name: nodeName, ttl_seconds: 600 });
  const { run, h } = await attempt({ cpUrl: impostor.url, caFingerprint: cluster.cp.caFingerprint, nodeName, token: minted.token });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, stderr);
  t.deepEqual(requestLines(impostor), ['GET /v1/ca'], 'only the CA fetch reached it');
  t.false(reachedImpostor(impostor, minted.token), 'the token never reached it');
  t.deepEqual(await listTree(h.root), [], 'nothing is written, so its CA is planted nowhere');
  t.is(await consumed(minted.id), 0, 'the token is still unconsumed');
}

test('a second server presenting another CA is refused before the token is sent', async (t) => {
  await refusedBeforeTheToken(t, await startOwnCaImpostor('rogue'), 'pin-rogue', /^error: fingerprint_mismatch: /);
});

test('a proxy relaying the real CA over its own certificate is refused before the token is sent', async (t) => {
  const relay = await startOwnCaImpostor('proxy', cluster.cp.caPem);
  await refusedBeforeTheToken(t, relay, 'pin-relay', /^error: tls_failed: .*suspect a man in the middle/);
});

test('a man in the middle with the CP client.crt and the real CA plus its own in ca_pem never receives the token', async (t) => {
  await refusedBeforeTheToken(t, await startPinSplitter(cluster.cp), 'pin-split', PIN_SPLITTER_REFUSAL);
});

test("the CP's clientAuth-only client.crt cannot serve the pinned fetch: refused before the token is sent", async (t) => {
  const impostor = await startImpostor({ serving: cluster.cp.clientCertificate, caPemToServe: cluster.cp.caPem });
  await refusedBeforeTheToken(
    t,
    impostor,
    'pin-client-crt',
    /^error: tls_failed: .*is not a serving certificate \(no serverAuth extended key usage\): suspect a man in the middle/,
  );
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
