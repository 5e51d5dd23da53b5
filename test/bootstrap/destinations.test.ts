// The token is spent by the join, so bootstrap makes its folders ready first: a cert dir or an
// agent.yaml folder that cannot be created (a file in the way) fails before the token is sent,
// and the token stays good.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterForNodes } from '../harness/cluster.js';
import { bootstrapWithToken, listTree } from '../harness/agent.js';

const cluster = clusterForNodes(test);

async function hostWithAFile() {
  const h = await cluster.host();
  const afile = join(h.root, 'afile');
  await writeFile(afile, 'not a folder\n');
  return { h, afile };
}

async function bootstrap(name: string, certDir: string, configPath: string, token: string) {
  return bootstrapWithToken({ cpUrl: cluster.cp.url, caFingerprint: cluster.cp.caFingerprint, nodeName: name, certDir, configPath }, token);
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

test("the folders are made before the join with their modes: 0700 for the cert dir, 0755 for agent.yaml's", async (t) => {
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
  t.regex(
    run.stderr,
    /^error: file_write_failed: the join token is spent: fix .*agent\.key.*, then mint a new token bound to dest-spent \(`otherix node join-token create --node-name dest-spent`\) and re-run with --force\n$/,
  );
  t.is(await cluster.consumedCount(minted.id), 1, 'the join did happen');
});

// Issue 12: folders and files another user could write are refused, with the chmod to run.
function chmodFrom(stderr: string): string {
  const command = /run `(chmod [^`]+)`/.exec(stderr)?.[1];
  if (command === undefined) throw new Error(`no chmod in: ${stderr}`);
  return command;
}

/** Runs the printed command the way an operator pastes it (sh), so it is tested as given. */
function runPrinted(command: string): void {
  execFileSync('sh', ['-c', command]);
}

test('a group/world-writable --cert-dir is refused before the join with the chmod to run; after it, the join works', async (t) => {
  const h = await cluster.host();
  await mkdir(h.certDir, { recursive: true });
  await chmod(h.certDir, 0o777);
  const minted = await cluster.admin.joinTokens.create({ node_name: 'loose-cert-dir', ttl_seconds: 600 });
  const refused = await bootstrap('loose-cert-dir', h.certDir, h.configPath, minted.token);
  t.is(refused.exitCode, 1, refused.stdout);
  t.is(
    refused.stderr.trim(),
    `error: insecure_permissions: ${h.certDir} is writable by group or others (mode 0777): another user could swap ca.crt, the certificate or agent.yaml, or read the key: run \`chmod go-w ${h.certDir}\`; the join token was not used`,
  );
  t.is(await cluster.consumedCount(minted.id), 0, 'the token is still good');

  runPrinted(chmodFrom(refused.stderr));
  const joined = await bootstrap('loose-cert-dir', h.certDir, h.configPath, minted.token);
  t.is(joined.exitCode, 0, joined.stderr);
});

test('a group-writable agent.yaml folder is refused before the join, and so is a loose file of an already-bootstrapped host', async (t) => {
  const h = await cluster.host();
  const configDir = join(h.configPath, '..');
  await mkdir(configDir, { recursive: true });
  await chmod(configDir, 0o775);
  const minted = await cluster.admin.joinTokens.create({ node_name: 'loose-config-dir', ttl_seconds: 600 });
  const refused = await bootstrap('loose-config-dir', h.certDir, h.configPath, minted.token);
  t.is(refused.exitCode, 1);
  t.regex(
    refused.stderr,
    new RegExp(
      `^error: insecure_permissions: ${configDir.replace(/[.]/g, '\\.')} is writable by group or others \\(mode 0775\\): .*run \`chmod go-w ${configDir.replace(/[.]/g, '\\.')}\`; the join token was not used\\n$`,
    ),
  );
  t.is(await cluster.consumedCount(minted.id), 0);
  runPrinted(chmodFrom(refused.stderr));
  t.is((await bootstrap('loose-config-dir', h.certDir, h.configPath, minted.token)).exitCode, 0);

  // Bootstrapped: a ca.crt others may write and an agent.key others may read are refused by a re-run, both named.
  await chmod(join(h.certDir, 'ca.crt'), 0o666);
  await chmod(join(h.certDir, 'agent.key'), 0o640);
  const again = await bootstrap('loose-config-dir', h.certDir, h.configPath, minted.token);
  t.is(again.exitCode, 1);
  t.true(
    again.stderr.startsWith(
      `error: insecure_permissions: ${join(h.certDir, 'agent.key')} is readable or writable by group or others (mode 0640); ${join(h.certDir, 'ca.crt')} is writable by group or others (mode 0666)`,
    ),
    again.stderr,
  );
  t.is(chmodFrom(again.stderr), `chmod 600 ${join(h.certDir, 'agent.key')} && chmod go-w ${join(h.certDir, 'ca.crt')}`);
  t.regex(again.stderr, /re-issue the certificate with `otherix-agent bootstrap --force`/);
  runPrinted(chmodFrom(again.stderr));
  const fine = await bootstrap('loose-config-dir', h.certDir, h.configPath, minted.token);
  t.is(fine.exitCode, 0, fine.stderr);
  t.regex(fine.stdout, /^already bootstrapped/);
  t.is((await stat(join(h.certDir, 'agent.key'))).mode & 0o777, 0o600);
});

test('a cert dir of another user is refused before the join (its serve could not read a key this user writes), the token unused', async (t) => {
  const h = await cluster.host();
  await mkdir(h.certDir, { recursive: true, mode: 0o700 });
  const me = process.getuid!();
  // The tests run as root (CI does): the cert dir is handed to `nobody`, as a package would give it to `otherix`.
  t.is(me, 0, 'this test needs root, as CI runs it, to give the cert dir to another user');
  await chown(h.certDir, 65534, 65534);
  const minted = await cluster.admin.joinTokens.create({ node_name: 'other-owner', ttl_seconds: 600 });
  const refused = await bootstrap('other-owner', h.certDir, h.configPath, minted.token);
  t.is(refused.exitCode, 1);
  t.is(
    refused.stderr,
    `error: forbidden: ${h.certDir} belongs to uid 65534 and this runs as uid 0: the new agent.key (0600) would belong to uid 0, and a serve running as uid 65534 could not read it: ` +
      `run it as the cert dir's owner (e.g. sudo -u '#65534' otherix-agent bootstrap ...); the join token was not used\n`,
  );
  t.is(await cluster.consumedCount(minted.id), 0, 'the token is still good');
  t.deepEqual(await readdir(h.certDir), [], 'nothing written');
});
