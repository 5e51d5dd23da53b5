// The token is spent by the join, so bootstrap makes its folders ready first: a cert dir or an
// agent.yaml folder that cannot be created (a file in the way) fails before the token is sent,
// and the token stays good.
import test from 'ava';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterForNodes } from './helpers/cluster-for-nodes.js';
import { bootstrapArgs, listTree, runAgent } from './helpers/agent.js';

const cluster = clusterForNodes(test);

async function hostWithAFile() {
  const h = await cluster.host();
  const afile = join(h.root, 'afile');
  await writeFile(afile, 'not a folder\n');
  return { h, afile };
}

async function bootstrap(name: string, certDir: string, configPath: string, token: string) {
  return runAgent(
    [...bootstrapArgs({ cpUrl: cluster.cp.url, caFingerprint: cluster.cp.caFingerprint, nodeName: name, certDir, configPath }), '--token-env', 'JOIN_TOKEN'],
    { env: { JOIN_TOKEN: token } },
  );
}

test('a --cert-dir below a regular file fails before the join: exit 1, the token is not consumed, nothing is left', async (t) => {
  const { h, afile } = await hostWithAFile();
  const minted = await cluster.admin.joinTokens.create({ node_name: 'dest-cert-dir', ttl_seconds: 600 });
  const run = await bootstrap('dest-cert-dir', join(afile, 'c'), h.configPath, minted.token);
  t.is(run.exitCode, 1, run.stdout);
  t.is(
    run.stderr.trim(),
    `error: file_write_failed: cannot use ${join(afile, 'c')}: ${afile} is not a folder: pass another --cert-dir, or move ${afile} away; the join token was not used`,
  );
  t.is(await cluster.consumedCount(minted.id), 0, 'the token is still good');
  t.deepEqual(await listTree(h.root), ['afile'], 'no folders are left behind');
});

test('an agent.yaml below a regular file fails before the join too, and the cert dir made for it is removed', async (t) => {
  const { h, afile } = await hostWithAFile();
  const minted = await cluster.admin.joinTokens.create({ node_name: 'dest-config', ttl_seconds: 600 });
  const run = await bootstrap('dest-config', h.certDir, join(afile, 'a.yaml'), minted.token);
  t.is(run.exitCode, 1, run.stdout);
  t.is(
    run.stderr.trim(),
    `error: file_write_failed: cannot use ${afile}: ${afile} is not a folder: pass another --config-path, or move ${afile} away; the join token was not used`,
  );
  t.is(await cluster.consumedCount(minted.id), 0, 'the token is still good');
  t.deepEqual(await listTree(h.root), ['afile']);
});

test('the folders are made before the join with their modes: 0700 for the cert dir, 0755 for agent.yaml\'s', async (t) => {
  const h = await cluster.host();
  const minted = await cluster.admin.joinTokens.create({ node_name: 'dest-modes', ttl_seconds: 600 });
  const run = await bootstrap('dest-modes', h.certDir, h.configPath, minted.token);
  t.is(run.exitCode, 0, run.stderr);
  t.is((await stat(h.certDir)).mode & 0o777, 0o700);
  t.is((await stat(join(h.root, 'etc', 'otherix'))).mode & 0o777, 0o755);
  t.is(await cluster.consumedCount(minted.id), 1);
});

test('a write that fails after the join says the token is spent and how to finish', async (t) => {
  const h = await cluster.host();
  // A folder where agent.key's link goes: the pre-check sees a writable cert dir, the write fails.
  await mkdir(join(h.certDir, 'agent.key', 'in-the-way'), { recursive: true });
  const minted = await cluster.admin.joinTokens.create({ node_name: 'dest-spent', ttl_seconds: 600 });
  const run = await bootstrap('dest-spent', h.certDir, h.configPath, minted.token);
  t.is(run.exitCode, 1, run.stdout);
  t.regex(run.stderr, /^error: file_write_failed: the join token is spent: fix .*agent\.key.*, then mint a new token bound to dest-spent \(`otherix node join-token create --node-name dest-spent`\) and re-run with --force\n$/);
  t.is(await cluster.consumedCount(minted.id), 1, 'the join did happen');
});
