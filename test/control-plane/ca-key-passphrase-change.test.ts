// `otherix-server ca-key-passphrase` (the CA key at rest, README): with the real binary, a stopped
// CP's encrypted ca.key moves to a new passphrase (the old one then opens nothing, the new one
// starts the same cluster and its node beats on); a wrong current passphrase, a running CP and
// bad flags change nothing; --remove-passphrase writes the key plain; in the middle of a CA
// rotation ca-next.key moves too, and a run cut short between the two files is finished by
// running it again. Each change ends with its audit line (ca_key.passphrase_changed).
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { encryptCaKey, readCaKeyFile } from '@otherix/server';
import { heartbeat, joinNode } from '../harness/cluster.js';
import { api, runServerBinary, spawnControlPlane } from '../harness/control-plane.js';

const FLAG = '--ca-key-passphrase-file';

async function scratch(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-passphrase-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A passphrase file (0600, trailing newline); returns its path and the passphrase. */
async function passphraseFile(dir: string, name: string): Promise<{ path: string; passphrase: Buffer }> {
  const passphrase = `pass ${randomBytes(18).toString('base64')}`;
  const path = join(dir, name);
  await writeFile(path, `${passphrase}\n`, { mode: 0o600 });
  return { path, passphrase: Buffer.from(passphrase) };
}

const change = (dataDir: string, ...flags: string[]) => runServerBinary(['ca-key-passphrase', '--data-dir', dataDir, ...flags]);
const OWNER = 65534;
/** Runs it as OWNER (setpriv), as a package's otherix user would. */
const changeAsOwner = (dataDir: string, ...flags: string[]) =>
  runServerBinary(
    ['ca-key-passphrase', '--data-dir', dataDir, ...flags],
    {},
    {
      prefix: ['setpriv', '--reuid', String(OWNER), '--regid', String(OWNER), '--clear-groups'],
    },
  );
const serve = (dataDir: string, ...extra: string[]) => spawnControlPlane({ dataDir, args: extra });

/** The command's audit line: the last line of its stderr. */
const auditLine = (stderr: string): Record<string, unknown> => JSON.parse(stderr.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;

/** The data dir's files with their bytes (SQLite's -wal/-shm and the lock aside). */
async function snapshot(dataDir: string): Promise<Record<string, string>> {
  const names = (await readdir(dataDir)).filter((name) => !/-wal$|-shm$|^otherix\.lock$/.test(name)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await readFile(join(dataDir, name))).toString('base64')])));
}

test('a new passphrase: the old one opens nothing, the new one starts the same cluster, and its node beats on', async (t) => {
  const dir = await scratch(t);
  const dataDir = join(dir, 'data');
  const old = await passphraseFile(dir, 'old.passphrase');
  const next = await passphraseFile(dir, 'new.passphrase');
  const cp = await spawnControlPlane({ dataDir, args: [FLAG, old.path] });
  const node = await joinNode(cp, 'keyed-1');
  await cp.stop();
  const keyPem = (await readCaKeyFile(join(dataDir, 'ca.key'), old.passphrase)).keyPem;

  const changed = await change(dataDir, FLAG, old.path, '--new-passphrase-file', next.path);
  t.is(changed.code, 0, changed.stderr);
  t.regex(changed.stderr, /^otherix-server: ca\.key in \S+ is now encrypted with the passphrase in \S+new\.passphrase\.\n/);
  t.regex(changed.stderr, /next: start otherix-server with --ca-key-passphrase-file \S+new\.passphrase/);
  t.false(changed.stderr.includes(old.passphrase.toString()) || changed.stderr.includes(next.passphrase.toString()));
  // No CP logs this change: the command writes its audit line, the host's user as the actor.
  t.like(auditLine(changed.stderr), {
    audit: true,
    event: 'ca_key.passphrase_changed',
    files: ['ca.key'],
    encrypted: true,
    actor: { kind: 'host_user', command: 'otherix-server ca-key-passphrase' },
  });
  t.is((await stat(join(dataDir, 'ca.key'))).mode & 0o777, 0o600);
  t.is((await readCaKeyFile(join(dataDir, 'ca.key'), next.passphrase)).keyPem, keyPem, 'the same key, under the new passphrase');
  const refused = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', FLAG, old.path]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^error: ca_key_passphrase_wrong: /);

  const again = await serve(dataDir, FLAG, next.path);
  try {
    t.is(again.caFingerprint, cp.caFingerprint);
    t.is((await heartbeat(again, node.cert)).status, 200);
  } finally {
    await again.stop();
  }
});

test('a wrong current passphrase, a running CP and bad flags change nothing', async (t) => {
  const dir = await scratch(t);
  const dataDir = join(dir, 'data');
  const old = await passphraseFile(dir, 'old.passphrase');
  const other = await passphraseFile(dir, 'other.passphrase');
  const next = await passphraseFile(dir, 'new.passphrase');
  const cp = await spawnControlPlane({ dataDir, args: [FLAG, old.path] });
  try {
    const before = await snapshot(dataDir);
    const running = await change(dataDir, FLAG, old.path, '--new-passphrase-file', next.path);
    t.is(running.code, 1);
    t.regex(running.stderr, /^error: data_dir_locked: another otherix-server is running on /);
    t.deepEqual(await snapshot(dataDir), before);
  } finally {
    await cp.stop();
  }
  const before = await snapshot(dataDir);
  const wrong = await change(dataDir, FLAG, other.path, '--new-passphrase-file', next.path);
  t.is(wrong.code, 1);
  t.regex(wrong.stderr, /^error: ca_key_passphrase_wrong: \S+ca\.key: /);
  const locked = await change(dataDir, '--new-passphrase-file', next.path);
  t.is(locked.code, 1);
  t.regex(locked.stderr, /^error: ca_key_locked: /);
  const both = await change(dataDir, FLAG, old.path, '--new-passphrase-file', next.path, '--remove-passphrase');
  t.is(both.code, 2);
  t.regex(both.stderr, /ca-key-passphrase needs either --new-passphrase-file FILE .* or --remove-passphrase/);
  const neither = await change(dataDir, FLAG, old.path);
  t.is(neither.code, 2);
  const misplaced = await runServerBinary(['backup', '--data-dir', dataDir, '--out', join(dir, 'b.tar'), '--remove-passphrase']);
  t.is(misplaced.code, 2);
  t.regex(misplaced.stderr, /--new-passphrase-file and --remove-passphrase are for ca-key-passphrase only/);
  t.deepEqual(await snapshot(dataDir), before, 'no file was written, removed or replaced');
});

test('--remove-passphrase writes ca.key plain (0600), and the CP starts without the flag', async (t) => {
  const dir = await scratch(t);
  const dataDir = join(dir, 'data');
  const old = await passphraseFile(dir, 'old.passphrase');
  const cp = await spawnControlPlane({ dataDir, args: [FLAG, old.path] });
  await cp.stop();
  const removed = await change(dataDir, FLAG, old.path, '--remove-passphrase');
  t.is(removed.code, 0, removed.stderr);
  t.regex(removed.stderr, /ca\.key in \S+ is now plain \(PKCS#8, mode 0600\)/);
  t.like(auditLine(removed.stderr), { event: 'ca_key.passphrase_changed', files: ['ca.key'], encrypted: false });
  const text = await readFile(join(dataDir, 'ca.key'), 'utf8');
  t.true(text.startsWith('-----BEGIN PRIVATE KEY-----'), text.slice(0, 40));
  t.is((await stat(join(dataDir, 'ca.key'))).mode & 0o777, 0o600);
  const again = await serve(dataDir);
  t.is(again.caFingerprint, cp.caFingerprint);
  await again.stop();
});

test('mid-rotation ca-next.key moves too, and a run cut short between the two files is finished by running it again', async (t) => {
  const dir = await scratch(t);
  const dataDir = join(dir, 'data');
  const old = await passphraseFile(dir, 'old.passphrase');
  const next = await passphraseFile(dir, 'new.passphrase');
  const cp = await spawnControlPlane({ dataDir, args: [FLAG, old.path] });
  const moved = await api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next', force: true } });
  t.is(moved.status, 200, moved.text);
  await cp.stop();
  const caKey = (await readCaKeyFile(join(dataDir, 'ca.key'), old.passphrase)).keyPem;
  const nextKey = (await readCaKeyFile(join(dataDir, 'ca-next.key'), old.passphrase)).keyPem;

  // As if a run had stopped after ca-next.key: ca.key is still under the old passphrase.
  await writeFile(join(dataDir, 'ca-next.key'), await encryptCaKey(nextKey, next.passphrase), { mode: 0o600 });
  const finished = await change(dataDir, FLAG, old.path, '--new-passphrase-file', next.path);
  t.is(finished.code, 0, finished.stderr);
  t.regex(finished.stderr, /ca-next\.key and ca\.key in \S+ are now encrypted/);
  t.like(auditLine(finished.stderr), { event: 'ca_key.passphrase_changed', files: ['ca-next.key', 'ca.key'], encrypted: true });
  t.is((await readCaKeyFile(join(dataDir, 'ca.key'), next.passphrase)).keyPem, caKey);
  t.is((await readCaKeyFile(join(dataDir, 'ca-next.key'), next.passphrase)).keyPem, nextKey);

  const again = await serve(dataDir, FLAG, next.path);
  try {
    const status = await api(again, 'GET', '/v1/ca/rotation', { token: again.adminToken });
    t.is(status.status, 200, status.text);
    t.is(status.body.phase, 'init');
  } finally {
    await again.stop();
  }
});

test("run as another user than the data dir's owner it refuses, changing nothing; as the owner the keys stay the owner's", async (t) => {
  // The tests run as root (CI does): the data dir is handed to `nobody`, as a package gives it to `otherix`.
  t.is(process.getuid!(), 0, 'this test needs root, as CI runs it, to run the command as another user');
  const dir = await scratch(t);
  await chmod(dir, 0o755);
  const dataDir = join(dir, 'data');
  const old = await passphraseFile(dir, 'old.passphrase');
  const next = await passphraseFile(dir, 'new.passphrase');
  const cp = await spawnControlPlane({ dataDir, args: [FLAG, old.path] });
  await cp.stop();
  for (const path of [dataDir, ...(await readdir(dataDir)).map((name) => join(dataDir, name)), old.path, next.path])
    await chown(path, OWNER, OWNER);
  const before = await snapshot(dataDir);

  const asRoot = await change(dataDir, FLAG, old.path, '--new-passphrase-file', next.path);
  t.is(asRoot.code, 1);
  t.regex(
    asRoot.stderr,
    new RegExp(
      `^error: forbidden: \\S+ belongs to uid ${OWNER} and this runs as uid 0: run it as the data dir's owner \\(e\\.g\\. sudo -u '#${OWNER}' otherix-server ca-key-passphrase `,
    ),
  );
  t.deepEqual(await snapshot(dataDir), before, 'nothing was written');

  const asOwner = await changeAsOwner(dataDir, FLAG, old.path, '--new-passphrase-file', next.path);
  t.is(asOwner.code, 0, asOwner.stderr);
  const key = await stat(join(dataDir, 'ca.key'));
  t.is(key.uid, OWNER);
  t.is(key.mode & 0o777, 0o600);
  t.truthy(await readCaKeyFile(join(dataDir, 'ca.key'), next.passphrase));
});
