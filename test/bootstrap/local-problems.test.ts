// Issue 13, item 8 (bootstrap side): problems of the host are told as the host's, and cost no
// token. A cert dir on a nearly full file system (a real tmpfs) is refused before the token is
// redeemed; a complete cert set with a damaged file is a broken state, not "already bootstrapped".
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterForNodes } from '../harness/cluster.js';
import { bootstrapArgs, bootstrapWithToken, runAgent } from '../harness/agent.js';
import type { NodeHost } from '../harness/agent.js';
import { onNearlyFullTmpfs } from '../harness/small-filesystem.js';

const cluster = clusterForNodes(test);

test('a cert dir on a nearly full file system is refused before the token is redeemed, naming the folder', async (t) => {
  const h = await cluster.host();
  const mountPoint = join(h.root, 'small-fs');
  await mkdir(mountPoint);
  const certDir = join(mountPoint, 'certs');
  const minted = await cluster.admin.joinTokens.create({ node_name: 'disk-full', ttl_seconds: 600 });
  const flags = (dir: string) => ({
    cpUrl: cluster.cp.url,
    caFingerprint: cluster.cp.caFingerprint,
    nodeName: 'disk-full',
    certDir: dir,
    configPath: h.configPath,
  });

  // 1 MiB of tmpfs with 8 pages left: enough for the three files themselves, not with a margin.
  const run = await bootstrapWithToken(flags(certDir), minted.token, {
    prefix: onNearlyFullTmpfs(mountPoint, { sizeBytes: 1024 * 1024, freeBytes: 32 * 1024 }),
  });
  t.is(run.exitCode, 1, run.stderr);
  t.regex(
    run.stderr,
    new RegExp(
      `^error: insufficient_space: not enough room on this host for ${certDir.replace(/[.]/g, '\\.')} \\(--cert-dir\\): 32 KiB free, and the node's files need 256 KiB with margin: free space on that file system, or pass another --cert-dir; the join token was not used\\n$`,
    ),
  );
  t.is(await cluster.consumedCount(minted.id), 0, 'the token was not redeemed');
  await t.throwsAsync(cluster.admin.nodes.get('disk-full'), { message: /disk-full/ });

  // The token is still good: on a disk with room the same command joins.
  const joined = await bootstrapWithToken(flags(join(h.root, 'roomy-certs')), minted.token);
  t.is(joined.exitCode, 0, joined.stderr);
  t.is(await cluster.consumedCount(minted.id), 1);
});

test('a complete cert set with a garbled agent.key is a broken state: refused without --force, naming the file; --force repairs it', async (t) => {
  const h = await cluster.host();
  const first = await cluster.admin.joinTokens.create({ node_name: 'garbled-key', ttl_seconds: 600 });
  const flags = (extra: string[] = []) => ({
    cpUrl: cluster.cp.url,
    caFingerprint: cluster.cp.caFingerprint,
    nodeName: 'garbled-key',
    certDir: h.certDir,
    configPath: h.configPath,
    extra,
  });
  t.is((await bootstrapWithToken(flags(), first.token)).exitCode, 0);

  // Garbled in place (agent.key is a symlink into the current generation; the write follows it).
  await writeFile(join(h.certDir, 'agent.key'), '-----BEGIN PRIVATE KEY-----\nnot a key at all\n-----END PRIVATE KEY-----\n');
  const second = await cluster.admin.joinTokens.create({ node_name: 'garbled-key', ttl_seconds: 600 });
  const refused = await bootstrapWithToken(flags(), second.token);
  t.is(refused.exitCode, 1, refused.stdout);
  t.regex(
    refused.stderr,
    new RegExp(
      `^error: bootstrap_partial_state: broken cert state in ${h.certDir.replace(/[.]/g, '\\.')}: agent\\.key cannot be read as a private key \\(.+\\), so serve cannot use the set: ` +
        're-run with --force and a token bound to garbled-key \\(`otherix node join-token create --node-name garbled-key`\\)\\n$',
    ),
  );
  t.is(refused.stdout, '', 'not "already bootstrapped"');
  t.is(await cluster.consumedCount(second.id), 0, 'refused without a network call');

  const repaired = await bootstrapWithToken(flags(['--force']), second.token);
  t.is(repaired.exitCode, 0, repaired.stderr);
  const rerun = await bootstrapWithToken(flags(), second.token);
  t.is(rerun.exitCode, 0, rerun.stderr);
  t.regex(rerun.stdout, /^already bootstrapped: /);
});

test("an agent.key of another join (not agent.crt's key) and a garbled ca.crt are named too", async (t) => {
  const [a, b] = [await cluster.host(), await cluster.host()];
  const flags = (h: NodeHost, nodeName: string) => ({
    cpUrl: cluster.cp.url,
    caFingerprint: cluster.cp.caFingerprint,
    nodeName,
    certDir: h.certDir,
    configPath: h.configPath,
  });
  for (const [h, name] of [
    [a, 'mixed-a'],
    [b, 'mixed-b'],
  ] as const) {
    const minted = await cluster.admin.joinTokens.create({ node_name: name, ttl_seconds: 600 });
    const run = await bootstrapWithToken(flags(h, name), minted.token);
    t.is(run.exitCode, 0, run.stderr);
  }
  // A well-formed token that was never minted: what is refused is the cert dir's broken state.
  const rerun = (h: NodeHost, nodeName: string) =>
    runAgent([...bootstrapArgs(flags(h, nodeName)), '--token', 'otx_join_' + 'A'.repeat(43)]);
  const { readFile } = await import('node:fs/promises');
  await writeFile(join(a.certDir, 'agent.key'), await readFile(join(b.certDir, 'agent.key')));
  const rerunA = await rerun(a, 'mixed-a');
  t.is(rerunA.exitCode, 1);
  t.regex(
    rerunA.stderr,
    /error: bootstrap_partial_state: broken cert state in \S+: agent\.key is not the key of agent\.crt \(files from two different joins\?\)/,
  );

  await writeFile(join(b.certDir, 'ca.crt'), 'garbage\n');
  const rerunB = await rerun(b, 'mixed-b');
  t.is(rerunB.exitCode, 1);
  t.regex(rerunB.stderr, /error: bootstrap_partial_state: broken cert state in \S+: ca\.crt cannot be read as a certificate/);
});
