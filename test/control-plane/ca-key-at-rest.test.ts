// The CA key at rest (issue 19 item 5): `otherix-server --ca-key-passphrase-file FILE` keeps the
// data dir's ca.key encrypted (scrypt + AES-256-GCM, an armored `OTHERIX ENCRYPTED CA KEY`). With
// the real binary: a first start writes it encrypted from its first write, a node joins and beats;
// a start without the file is refused (ca_key_locked), one with another passphrase too
// (ca_key_passphrase_wrong), both changing nothing on disk and never printing the passphrase; a
// plain data dir is encrypted in place and its old nodes beat on; backup copies the encrypted
// file as it is and a restored dir starts with the file. Also: the passphrase file's checks, the
// flag's misuse and the format's own refusals. migrate-store with an encrypted key:
// migrate-store.test.ts (PostgreSQL).
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { decryptCaKey, encryptCaKey, readCaKeyFile } from '@otherix/server';
import { heartbeat, joinNode } from '../harness/cluster.js';
import { runServerBinary, spawnControlPlane } from '../harness/control-plane.js';
import { CRASH_EXIT_CODE, crashAtEnv } from '../harness/crash-points.js';

const ENCRYPTED_BEGIN = '-----BEGIN OTHERIX ENCRYPTED CA KEY-----';
const FLAG = '--ca-key-passphrase-file';

const scratch = (prefix: string): Promise<string> => mkdtemp(join(tmpdir(), prefix));

/** A passphrase file (0600) holding a fresh random passphrase and a trailing newline; returns both. */
async function passphraseFile(dir: string, name = 'ca-key.passphrase'): Promise<{ path: string; passphrase: string }> {
  const passphrase = `pass ${randomBytes(18).toString('base64')}`;
  const path = join(dir, name);
  await writeFile(path, `${passphrase}\n`, { mode: 0o600 });
  return { path, passphrase };
}

const serve = (dataDir: string, ...extra: string[]) =>
  runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...extra]);

/** Every file of the data dir with its bytes (SQLite's -wal/-shm and the lock file aside). */
async function snapshot(dataDir: string): Promise<Record<string, string>> {
  const names = (await readdir(dataDir)).filter((name) => !/-wal$|-shm$|^otherix\.lock$/.test(name)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await readFile(join(dataDir, name))).toString('base64')])));
}

async function assertEncrypted(t: ExecutionContext, dataDir: string): Promise<string> {
  const text = await readFile(join(dataDir, 'ca.key'), 'utf8');
  t.true(
    text.startsWith(`${ENCRYPTED_BEGIN}\nVersion: 1\nCipher: aes-256-gcm\nKDF: scrypt\nKDF-Params: N=32768,r=8,p=1\n`),
    text.slice(0, 80),
  );
  t.false(text.includes('PRIVATE KEY'), 'no plaintext key in ca.key');
  t.is((await stat(join(dataDir, 'ca.key'))).mode & 0o777, 0o600);
  return text;
}

test('a first start with the flag writes ca.key encrypted and a node joins; without the file or with another passphrase the start is refused, changing nothing', async (t) => {
  const dir = await scratch('otherix-cakey-');
  const dataDir = join(dir, 'data');
  const { path, passphrase } = await passphraseFile(dir);
  try {
    const cp = await spawnControlPlane({ dataDir, args: [FLAG, path] });
    let node;
    try {
      await assertEncrypted(t, dataDir);
      node = await joinNode(cp, 'sealed-1');
      t.is((await heartbeat(cp, node.cert)).status, 200);
    } finally {
      await cp.stop();
    }
    const { stdout, stderr } = cp.output();
    t.false(`${stdout}${stderr}`.includes(passphrase), 'the passphrase is in no log line');

    const before = await snapshot(dataDir);
    const locked = await serve(dataDir);
    t.is(locked.code, 1, locked.stderr);
    t.regex(
      locked.stderr,
      /^error: ca_key_locked: \S+ca\.key is encrypted and no passphrase was given: pass --ca-key-passphrase-file FILE/,
    );
    t.regex(locked.stderr, /Nothing was changed\.\n$/);
    t.deepEqual(await snapshot(dataDir), before, 'no file was written, removed or replaced');

    const other = await passphraseFile(dir, 'other.passphrase');
    const wrong = await serve(dataDir, FLAG, other.path);
    t.is(wrong.code, 1, wrong.stderr);
    t.regex(
      wrong.stderr,
      /^error: ca_key_passphrase_wrong: \S+ca\.key: the passphrase does not open it \(the AES-GCM tag does not match\)/,
    );
    t.false(`${wrong.stdout}${wrong.stderr}`.includes(other.passphrase), 'the wrong passphrase is not printed');
    t.deepEqual(await snapshot(dataDir), before, 'ca.key and every other file are byte for byte as they were');

    // The passphrase is the file's content without its trailing newline: the same one without it opens the key.
    await writeFile(path, passphrase, { mode: 0o600 });
    const again = await spawnControlPlane({ dataDir, args: [FLAG, path] });
    try {
      t.is((await heartbeat(again, node.cert)).status, 200, 'the node beats on with its certificate');
      t.deepEqual(
        await readFile(join(dataDir, 'ca.key')),
        Buffer.from(before['ca.key'], 'base64'),
        'a start with the key encrypted leaves it as it is',
      );
    } finally {
      await again.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a first start killed right after writing ca.key has written it encrypted: no private key in plain text is ever on disk', async (t) => {
  const dir = await scratch('otherix-cakey-crash-');
  const dataDir = join(dir, 'data');
  const { path } = await passphraseFile(dir);
  try {
    const crashed = await runServerBinary(
      ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', FLAG, path],
      crashAtEnv('first-start-after-ca-key'),
    );
    t.is(crashed.code, CRASH_EXIT_CODE, crashed.stderr);
    await assertEncrypted(t, dataDir);
    for (const name of await readdir(dataDir)) {
      t.false((await readFile(join(dataDir, name))).includes('PRIVATE KEY'), `${name} holds no private key in plain text`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a start with the flag on a data dir with a plain ca.key encrypts it in place; joins work and the old node beats on', async (t) => {
  const dir = await scratch('otherix-cakey-existing-');
  const dataDir = join(dir, 'data');
  try {
    const plain = await spawnControlPlane({ dataDir });
    let old;
    try {
      old = await joinNode(plain, 'plain-1');
      t.is((await heartbeat(plain, old.cert)).status, 200);
    } finally {
      await plain.stop();
    }
    const plainKey = await readFile(join(dataDir, 'ca.key'), 'utf8');
    t.true(plainKey.startsWith('-----BEGIN PRIVATE KEY-----'));

    const { path, passphrase } = await passphraseFile(dir);
    const cp = await spawnControlPlane({ dataDir, args: [FLAG, path] });
    try {
      const text = await assertEncrypted(t, dataDir);
      t.is(await decryptCaKey(text, Buffer.from(passphrase)), plainKey, 'the same key, encrypted');
      t.deepEqual(
        (await readdir(dataDir)).filter((name) => name.startsWith('.')),
        [],
        'no temp file is left beside it',
      );
      t.regex(cp.output().stderr, /otherix-server: warning: encrypted \S+ca\.key in place with the passphrase of --ca-key-passphrase-file/);
      t.is(cp.caFingerprint, (await runServerBinary(['ca-fingerprint', '--data-dir', dataDir])).stdout.trim(), 'the same CA');
      t.is((await heartbeat(cp, old.cert)).status, 200, 'a node joined before beats on');
      const fresh = await joinNode(cp, 'sealed-after');
      t.is((await heartbeat(cp, fresh.cert)).status, 200);
    } finally {
      await cp.stop();
    }
    const locked = await serve(dataDir);
    t.is(locked.code, 1);
    t.regex(locked.stderr, /^error: ca_key_locked: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('backup copies the encrypted ca.key as it is; the restored data dir starts with the passphrase file and is refused without it', async (t) => {
  const dir = await scratch('otherix-cakey-backup-');
  const dataDir = join(dir, 'data');
  const { path } = await passphraseFile(dir);
  try {
    const cp = await spawnControlPlane({ dataDir, args: [FLAG, path] });
    let node;
    try {
      node = await joinNode(cp, 'backed-up-1');
      const backup = await runServerBinary(['backup', '--data-dir', dataDir, '--out', join(dir, 'backup.tar')]);
      t.is(backup.code, 0, backup.stderr);
    } finally {
      await cp.stop();
    }
    const restoredDir = join(dir, 'restored');
    const restore = await runServerBinary(['restore', '--data-dir', restoredDir, '--from', join(dir, 'backup.tar')]);
    t.is(restore.code, 0, restore.stderr);
    t.true(
      restore.stderr.includes(
        `next: otherix-server serve --data-dir ${restoredDir} ${FLAG} FILE (its ca.key is encrypted: the passphrase file it was encrypted with) on the address`,
      ),
      restore.stderr,
    );
    t.deepEqual(await readFile(join(restoredDir, 'ca.key')), await readFile(join(dataDir, 'ca.key')), 'the encrypted file, byte for byte');

    const locked = await serve(restoredDir);
    t.is(locked.code, 1);
    t.regex(locked.stderr, /^error: ca_key_locked: /);
    const restored = await spawnControlPlane({ dataDir: restoredDir, args: [FLAG, path] });
    try {
      t.is((await heartbeat(restored, node.cert)).status, 200);
    } finally {
      await restored.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the passphrase file is checked like --secret-file, and the flag is refused where it does not apply', async (t) => {
  const dir = await scratch('otherix-cakey-file-');
  const dataDir = join(dir, 'data');
  try {
    const { path } = await passphraseFile(dir);
    await chmod(path, 0o640);
    const loose = await serve(dataDir, FLAG, path);
    t.is(loose.code, 1);
    t.regex(
      loose.stderr,
      /^error: insecure_permissions: the CA key passphrase file \S+ is readable or writable by others \(mode 0640\): chmod 600 /,
    );
    const empty = join(dir, 'empty.passphrase');
    await writeFile(empty, '\n', { mode: 0o600 });
    const emptied = await serve(dataDir, FLAG, empty);
    t.is(emptied.code, 1);
    t.regex(emptied.stderr, /^error: config_invalid: failed to start: the CA key passphrase file \S+ is empty/);
    const missing = await serve(dataDir, FLAG, join(dir, 'nope'));
    t.is(missing.code, 1);
    t.regex(missing.stderr, /^error: config_invalid: failed to start: cannot read the CA key passphrase file \S+ \(ENOENT\)/);
    // A missing file may be the one an encrypted ca.key needs (a new passphrase would not open it): the advice says both.
    t.regex(
      missing.stderr,
      /\(for an encrypted ca\.key, the file it was encrypted with, or its copy kept apart from the data dir; for a plain or new one, make one with /,
    );
    // A folder (its data dir's parent, say) given by mistake: named as not a file, not told to chmod 600 a folder.
    const folder = await serve(dataDir, FLAG, dir);
    t.is(folder.code, 1);
    t.regex(
      folder.stderr,
      /^error: config_invalid: failed to start: cannot read the CA key passphrase file \S+ \(EISDIR\): give the file itself /,
    );
    t.false(folder.stderr.includes('chmod'), folder.stderr);
    t.false((await readdir(dir)).includes('data'), 'the data dir is not even created before the file is read and accepted');

    const onPostgres = await runServerBinary(['serve', '--database-url', 'postgres://u@127.0.0.1:1/x', '--secret-file', path, FLAG, path]);
    t.is(onPostgres.code, 2);
    t.regex(
      onPostgres.stderr,
      /^error: usage: --ca-key-passphrase-file is for a CP on its SQLite data dir: on PostgreSQL the CA key is sealed in the database with --secret-file/,
    );
    const fromEnv = await runServerBinary(['serve', '--database-url', 'postgres://u@127.0.0.1:1/x'], {
      OTHERIX_SERVER__CA_KEY_PASSPHRASE_FILE: path,
    });
    t.is(fromEnv.code, 2);
    t.regex(fromEnv.stderr, /^error: usage: OTHERIX_SERVER__CA_KEY_PASSPHRASE_FILE is for a CP on its SQLite data dir/);
    const onBackup = await runServerBinary(['backup', '--data-dir', dataDir, '--out', join(dir, 'b.tar'), FLAG, path]);
    t.is(onBackup.code, 2);
    t.regex(
      onBackup.stderr,
      /^error: usage: --ca-key-passphrase-file is for serve, migrate-store and ca-key-passphrase, the commands that read ca\.key/,
    );
    const help = await runServerBinary(['--help']);
    t.regex(help.stdout, /--ca-key-passphrase-file FILE\n\s+keep ca\.key encrypted/);
    t.regex(help.stdout, /OTHERIX_SERVER__CA_KEY_PASSPHRASE_FILE/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the format: the KDF and its cost travel in the file and are authenticated; a new salt and IV each time; an unknown version is named', async (t) => {
  const keyPem = '-----BEGIN PRIVATE KEY-----\nnot really a key, any text round-trips\n-----END PRIVATE KEY-----\n';
  const passphrase = Buffer.from('a passphrase');
  const cheap = { N: 1024, r: 8, p: 1 };
  const one = await encryptCaKey(keyPem, passphrase, cheap);
  const two = await encryptCaKey(keyPem, passphrase, cheap);
  t.not(one, two);
  t.regex(
    one,
    /^-----BEGIN OTHERIX ENCRYPTED CA KEY-----\nVersion: 1\nCipher: aes-256-gcm\nKDF: scrypt\nKDF-Params: N=1024,r=8,p=1\nSalt: \S+\nIV: \S+\nTag: \S+\n\n/,
  );
  t.is(await decryptCaKey(one, passphrase), keyPem, 'the parameters are read from the file');
  await t.throwsAsync(decryptCaKey(one, Buffer.from('a passphrase ')), { code: 'ca_key_passphrase_wrong' });
  await t.throwsAsync(decryptCaKey(one.replace('N=1024,r=8,p=1', 'N=2048,r=8,p=1'), passphrase), { code: 'ca_key_passphrase_wrong' });
  await t.throwsAsync(decryptCaKey(one.replace('KDF-Params: N=1024', 'KDF-Params: N=16777216'), passphrase), {
    code: 'data_dir_invalid',
    message: /out of bounds/,
  });
  await t.throwsAsync(decryptCaKey(one.replace('Version: 1', 'Version: 2'), passphrase), {
    code: 'data_dir_invalid',
    message: /does not know \(Version 2/,
  });
  await t.throwsAsync(decryptCaKey(one.split('\n').slice(0, -4).join('\n'), passphrase), { code: 'data_dir_invalid' });

  const dir = await scratch('otherix-cakey-unit-');
  try {
    const file = join(dir, 'ca.key');
    await writeFile(file, one, { mode: 0o600 });
    await t.throwsAsync(readCaKeyFile(file, undefined), { code: 'ca_key_locked' });
    t.deepEqual(await readCaKeyFile(file, passphrase), { keyPem, encrypted: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
