// Backup and restore (issue 17 item 4), with the real binaries: a backup taken while two real
// agents heartbeat every 200 ms, restored into a new data dir, that CP started on the address the
// agents use, and both agents heartbeating on against it with their existing certificates. Also:
// the archive is 0600 and a tar, the restored modes, and every refusal (a non-empty data dir, a
// damaged or cut archive, an existing --out) writes nothing; an interrupted restore is refused
// by the start, never initialized as a new cluster.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { createClient, isFullNode } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';
import { clusterForNodes } from '../harness/cluster.js';
import { api, runServerBinary, spawnControlPlane } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { eventually, freePort } from '../harness/loopback.js';
import { bootstrapAndServe } from '../harness/served-node.js';
import { CRASH_EXIT_CODE, crashAtEnv } from '../harness/crash-points.js';
import { onNearlyFullTmpfs } from '../harness/small-filesystem.js';
import type { ServedNode } from '../harness/served-node.js';

// Only for its scratch folders (removed after the file): the CPs here are the real binary.
const cluster = clusterForNodes(test);

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

function adminOf(cp: SpawnedControlPlane): OtherixClient {
  return createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
}

/** A CP (real binary) with one node, backed up to `out`, then stopped. */
async function backedUpCluster(name: string, out: string): Promise<{ dataDir: string; fingerprint: string }> {
  const cp = await spawnControlPlane({ dataDir: await cluster.scratchDir('otherix-cp-small-') });
  try {
    const admin = adminOf(cp);
    await admin.joinTokens.create({ node_name: name });
    await admin.close();
    const backup = await runServerBinary(['backup', '--data-dir', cp.dataDir, '--out', out]);
    if (backup.code !== 0) throw new Error(backup.stderr);
    return { dataDir: cp.dataDir, fingerprint: cp.caFingerprint };
  } finally {
    await cp.stop();
  }
}

test('a backup under heartbeat load, restored into a new data dir: the restored CP keeps every node heartbeating with its certificate', async (t) => {
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const original = await spawnControlPlane({ dataDir: await cluster.scratchDir('otherix-cp-original-'), listen });
  let restored: SpawnedControlPlane | undefined;
  const nodes: ServedNode[] = [];
  try {
    let admin = adminOf(original);
    for (const name of ['backup-node-1', 'backup-node-2']) nodes.push(await bootstrapAndServe(original, admin, name));
    await eventually(
      () => admin.nodes.list(),
      (page) => page.items.length === 2 && page.items.every((node) => node.status === 'ready'),
    );
    const clusterId = (await readFile(join(original.dataDir, 'cluster-id'), 'utf8')).trim();

    // The backup, while both agents beat every 200 ms against the running CP (which holds its lock).
    const out = join(await cluster.scratchDir('otherix-backups-'), 'cp.tar');
    const backup = await runServerBinary(['backup', '--data-dir', original.dataDir, '--out', out]);
    t.is(backup.code, 0, backup.stderr);
    t.regex(
      backup.stderr,
      new RegExp(`backed up cluster ${clusterId} \\(2 nodes, CA ${original.caFingerprint}\\) to ${out} \\(\\d+ bytes, mode 0600\\)`),
    );
    t.is(await mode(out), 0o600);
    t.deepEqual((await readdir(join(out, '..'))).sort(), ['cp.tar'], 'no temp file or folder left beside it');
    if (existsSync('/usr/bin/tar') || existsSync('/bin/tar')) {
      const { stdout } = await promisify(execFile)('tar', ['-tf', out]);
      t.deepEqual(stdout.trim().split('\n'), [
        'otherix-backup.json',
        'cluster-id',
        'ca.crt',
        'ca.key',
        'server-hosts.json',
        'server.crt',
        'server.key',
        'client.crt',
        'client.key',
        'admin.token',
        'otherix.db',
      ]);
    }
    const heardBefore = Date.now();
    await admin.close();
    await original.stop();

    // Restore into a new data dir (missing: restore creates it 0700), then start there on the same address.
    const dataDir = join(await cluster.scratchDir('otherix-cp-restored-'), 'data');
    const restore = await runServerBinary(['restore', '--data-dir', dataDir, '--from', out]);
    t.is(restore.code, 0, restore.stderr);
    t.regex(restore.stderr, new RegExp(`restored cluster ${clusterId} \\(2 nodes`));
    t.is(await mode(dataDir), 0o700);
    for (const secret of ['ca.key', 'server.key', 'client.key', 'admin.token', 'otherix.db'])
      t.is(await mode(join(dataDir, secret)), 0o600, secret);
    for (const open of ['ca.crt', 'server.crt', 'client.crt', 'cluster-id']) t.is(await mode(join(dataDir, open)), 0o644, open);
    t.false(existsSync(join(dataDir, 'otherix-server.pid')), 'the restore let go of the lock');

    restored = await spawnControlPlane({ dataDir, listen });
    t.is(restored.caFingerprint, original.caFingerprint, 'the same cluster CA');
    t.is((await readFile(join(dataDir, 'cluster-id'), 'utf8')).trim(), clusterId);
    admin = adminOf(restored);
    try {
      // Both agents, never restarted, heartbeat against the restored CP with the certificates they had.
      const page = await eventually(
        () => admin.nodes.list(),
        (p) =>
          p.items.length === 2 &&
          p.items.every((node) => node.status === 'ready' && Date.parse(node.last_heartbeat_at ?? '') > heardBefore),
        30_000,
      );
      for (const node of nodes) {
        const served = page.items.find((item) => item.name === node.name)!;
        if (!isFullNode(served)) throw new Error('an admin sees full nodes');
        const certificate = await readFile(join(node.certDir, 'agent.crt'), 'utf8');
        t.is(
          BigInt(`0x${new X509Certificate(certificate).serialNumber}`).toString(16),
          served.certificate.serial,
          'the certificate bootstrap wrote',
        );
        await node.serve.waitForLog((r) => typeof r.msg === 'string' && r.msg.startsWith('heartbeat: accepted again after'));
      }
    } finally {
      await admin.close();
    }
  } finally {
    for (const node of nodes) await node.cleanup();
    await restored?.stop();
    if (original.child.exitCode === null && original.child.signalCode === null) await original.stop();
  }
});

test("restore refuses a non-empty data dir, a damaged or cut archive, writing nothing; a dir with only a stopped CP's lock file is empty", async (t) => {
  const out = join(await cluster.scratchDir('otherix-backups-'), 'small.tar');
  await backedUpCluster('small-node', out);
  const archive = await readFile(out);

  // A data dir that holds anything, even one unrelated file.
  const busy = await cluster.scratchDir('otherix-busy-');
  await writeFile(join(busy, 'notes.txt'), 'mine\n');
  const refusedBusy = await runServerBinary(['restore', '--data-dir', busy, '--from', out]);
  t.is(refusedBusy.code, 1);
  t.regex(
    refusedBusy.stderr,
    /is not empty \(it holds notes\.txt\): restore writes only into an empty or new data dir.*Nothing was written/,
  );
  t.deepEqual(await readdir(busy), ['notes.txt']);

  // One byte of ca.key changed: its sha256 no longer matches the manifest.
  const key = archive.indexOf('-----BEGIN PRIVATE KEY-----');
  t.true(key > 0);
  const damaged = Buffer.from(archive);
  damaged[key + 40] = damaged[key + 40] === 0x41 ? 0x42 : 0x41;
  const damagedPath = `${out}.damaged`;
  await writeFile(damagedPath, damaged, { mode: 0o600 });
  const target = join(await cluster.scratchDir('otherix-target-'), 'data');
  const refusedDamaged = await runServerBinary(['restore', '--data-dir', target, '--from', damagedPath]);
  t.is(refusedDamaged.code, 1);
  t.regex(
    refusedDamaged.stderr,
    /is not a whole otherix-server backup \(ca\.key does not match its sha256 in the manifest: the file is damaged\): nothing was written/,
  );
  t.false(existsSync(target), 'the data dir was not even created');

  // Cut short in the middle of the database.
  const cutPath = `${out}.cut`;
  await writeFile(cutPath, archive.subarray(0, archive.length - 4096), { mode: 0o600 });
  const refusedCut = await runServerBinary(['restore', '--data-dir', target, '--from', cutPath]);
  t.is(refusedCut.code, 1);
  t.regex(
    refusedCut.stderr,
    /is not a whole otherix-server backup \((otherix\.db should hold \d+ bytes but the archive ends first|the archive ends at byte \d+ without its end marker): it was cut short\)/,
  );
  t.false(existsSync(target));

  // What a stopped CP leaves after its files were moved aside (its lock and pid files) counts as empty.
  const emptied = await cluster.scratchDir('otherix-emptied-');
  await writeFile(join(emptied, 'otherix.lock'), '');
  await writeFile(join(emptied, 'otherix-server.pid'), '999999\n');
  const intoEmptied = await runServerBinary(['restore', '--data-dir', emptied, '--from', out]);
  t.is(intoEmptied.code, 0, intoEmptied.stderr);
  t.true(existsSync(join(emptied, 'otherix.db')));

  // Not a backup at all.
  const refusedOther = await runServerBinary(['restore', '--data-dir', target, '--from', '/etc/hostname']);
  t.is(refusedOther.code, 1);
  t.regex(refusedOther.stderr, /is not a whole otherix-server backup/);
});

test('an interrupted restore (no database yet) is refused by the start, never made a new cluster', async (t) => {
  const out = join(await cluster.scratchDir('otherix-backups-'), 'interrupted.tar');
  const { fingerprint } = await backedUpCluster('interrupted-node', out);
  const dataDir = join(await cluster.scratchDir('otherix-interrupted-'), 'data');
  t.is((await runServerBinary(['restore', '--data-dir', dataDir, '--from', out])).code, 0);
  // What a restore killed before its last file leaves: everything but the database.
  await rm(join(dataDir, 'otherix.db'));
  const start = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.is(start.code, 1);
  t.regex(start.stderr, /refusing to start: otherix\.db is missing, but .* holds cluster/);
  t.false(existsSync(join(dataDir, 'otherix.db')), 'no new database');
  t.regex(await readFile(join(dataDir, 'ca.crt'), 'utf8'), /BEGIN CERTIFICATE/);
  const check = await runServerBinary(['ca-fingerprint', '--data-dir', dataDir]);
  t.is(check.stdout.trim(), fingerprint, 'the CA is still the backed-up one');
});

test('backup refuses an existing --out, a data dir without a cluster, and usage errors', async (t) => {
  const out = join(await cluster.scratchDir('otherix-backups-'), 'first.tar');
  const { dataDir } = await backedUpCluster('refusal-node', out);
  const before = await readFile(out);
  const again = await runServerBinary(['backup', '--data-dir', dataDir, '--out', out]);
  t.is(again.code, 1);
  t.regex(again.stderr, /first\.tar exists: a backup never overwrites a file/);
  t.deepEqual(await readFile(out), before);

  const empty = await cluster.scratchDir('otherix-empty-');
  await mkdir(join(empty, 'data'));
  const none = await runServerBinary(['backup', '--data-dir', join(empty, 'data'), '--out', join(empty, 'x.tar')]);
  t.is(none.code, 1);
  t.regex(none.stderr, /holds no cluster \(no cluster-id\)/);
  t.false(existsSync(join(empty, 'x.tar')));

  const usage = await runServerBinary(['backup', '--data-dir', dataDir]);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /backup needs --out FILE/);
  const misplaced = await runServerBinary(['restore', '--data-dir', dataDir, '--out', out]);
  t.is(misplaced.code, 2);
  t.regex(misplaced.stderr, /--out is for backup only/);
});

/**
 * Runs the command on a nearly full tmpfs mounted at `mountPoint` (for this command only), then
 * prints `left: <what listDir holds>` on stdout, since the mount is gone when the command is.
 */
function onFullDisk(mountPoint: string, freeBytes: number, listDir: string): string[] {
  return [
    ...onNearlyFullTmpfs(mountPoint, { sizeBytes: 1024 * 1024, freeBytes }),
    'sh',
    '-c',
    'dir=$1; shift; "$@"; code=$?; printf "left: %s\\n" "$(ls -A "$dir" 2>/dev/null | tr "\\n" " ")"; exit $code',
    'sh',
    listDir,
  ];
}

test('a backup or a restore that meets a full disk says so and what to do, and leaves nothing half-written', async (t) => {
  const out = join(await cluster.scratchDir('otherix-backups-'), 'full.tar');
  const { dataDir } = await backedUpCluster('full-disk-node', out);
  const archive = await readFile(out);
  const manifestText = archive.subarray(512).toString('utf8');
  const manifest = JSON.parse(manifestText.slice(0, manifestText.indexOf('\n}\n') + 2)) as { files: Record<string, { size: number }> };
  const databaseSize = manifest.files['otherix.db'].size;
  const mountPoint = join(await cluster.scratchDir('otherix-full-'), 'small-fs');
  await mkdir(mountPoint);

  // Room for the database copy, not for the archive beside it.
  const fullOut = join(mountPoint, 'cp.tar');
  const backup = await runServerBinary(
    ['backup', '--data-dir', dataDir, '--out', fullOut],
    {},
    {
      prefix: onFullDisk(mountPoint, databaseSize + 8192, mountPoint),
    },
  );
  t.is(backup.code, 1, backup.stderr);
  t.regex(
    backup.stderr,
    /^error: file_write_failed: cannot write \S+cp\.tar \(ENOSPC: [^)]*\): nothing was written \(the partial archive was removed\); the archive needs about \d+ KiB; free space there \(df -h \S+\) or give an --out on another file system, then run it again: otherix-server backup --data-dir \S+ --out \S+cp\.tar\n$/,
  );
  t.regex(backup.stdout, /^left: (filler )?\n$/, 'no archive, temp file or copy left beside --out');

  // Not even room for the database: the files written before it are removed, the dir is empty again.
  const target = join(mountPoint, 'restored');
  const restore = await runServerBinary(
    ['restore', '--data-dir', target, '--from', out],
    {},
    {
      prefix: onFullDisk(mountPoint, Math.min(64 * 1024, databaseSize / 2), target),
    },
  );
  t.is(restore.code, 1, restore.stderr);
  t.regex(
    restore.stderr,
    /^error: file_write_failed: cannot write \S+otherix\.db \(ENOSPC: [^)]*\): the restore stopped and removed the files it had written, so \S+restored is empty again; its files need about \d+ KiB: free space there \(df -h \S+\) or restore into a data dir on another file system, then run it again: otherix-server restore --data-dir \S+restored --from \S+full\.tar\n$/,
  );
  t.regex(restore.stdout, /^left: (otherix\.lock )?\n$/, 'nothing of the cluster is left in the data dir');
});

test("backup as the data dir's owner into a folder that user cannot write (the README's /var/backups, root's) says so and how to make one", async (t) => {
  const out = join(await cluster.scratchDir('otherix-backups-'), 'first.tar');
  const { dataDir } = await backedUpCluster('owner-node', out);
  // The tests run as root (CI does): the data dir is handed to `nobody`, as a package gives it to `otherix`.
  t.is(process.getuid!(), 0, 'this test needs root, as CI runs it, to run the backup as another user');
  const owner = 65534;
  for (const name of ['', ...(await readdir(dataDir))]) await chown(join(dataDir, name), owner, owner);
  const rootOnly = await cluster.scratchDir('otherix-var-backups-');
  await chmod(rootOnly, 0o755);
  const asOwner = { prefix: ['setpriv', '--reuid', String(owner), '--regid', String(owner), '--clear-groups'] };

  const refused = await runServerBinary(['backup', '--data-dir', dataDir, '--out', join(rootOnly, 'cp.tar')], {}, asOwner);
  t.is(refused.code, 1, refused.stderr);
  t.regex(
    refused.stderr,
    new RegExp(
      `^error: file_write_failed: cannot write into ${rootOnly} \\(EACCES: [^\\n]*\\): nothing was written; the backup runs as uid ${owner} \\(the data dir's owner\\) and needs a folder it can write for --out, e\\.g\\. \`install -d -m 0700 -o <that user> ${rootOnly}/otherix\`, then run it again with --out there\\n$`,
    ),
  );
  t.deepEqual(await readdir(rootOnly), []);

  // What it says to do works.
  const folder = join(rootOnly, 'otherix');
  await mkdir(folder, { mode: 0o700 });
  await chown(folder, owner, owner);
  const taken = await runServerBinary(['backup', '--data-dir', dataDir, '--out', join(folder, 'cp.tar')], {}, asOwner);
  t.is(taken.code, 0, taken.stderr);
  t.is((await stat(join(folder, 'cp.tar'))).uid, owner);
});

test("a data dir in a CA rotation: backup archives the new CA's files; without ca-next.key it refuses, as a start does, instead of writing a backup that would not restore", async (t) => {
  const cp = await spawnControlPlane({ dataDir: await cluster.scratchDir('otherix-cp-rotating-') });
  try {
    const moved = await api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next' } });
    t.is(moved.status, 200, moved.text);
    t.is(moved.body.phase, 'init');
  } finally {
    await cp.stop();
  }
  const whole = join(await cluster.scratchDir('otherix-backups-'), 'rotating.tar');
  const taken = await runServerBinary(['backup', '--data-dir', cp.dataDir, '--out', whole]);
  t.is(taken.code, 0, taken.stderr);
  const archived = await readFile(whole, 'latin1');
  t.true(archived.includes('ca-next.crt') && archived.includes('ca-next.key'), "the new CA's files are in it");

  // The new CA's key lost from the data dir: a start refuses it, and so does a backup now.
  await rm(join(cp.dataDir, 'ca-next.key'));
  const start = await runServerBinary(['serve', '--data-dir', cp.dataDir, '--listen', '127.0.0.1:0']);
  t.is(start.code, 1);
  t.regex(start.stderr, /ca-next\.key is missing, but \S+ is in the middle of a CA rotation \(phase init, /);
  const out = join(await cluster.scratchDir('otherix-backups-'), 'partial.tar');
  const refused = await runServerBinary(['backup', '--data-dir', cp.dataDir, '--out', out]);
  t.is(refused.code, 1, refused.stderr);
  t.regex(
    refused.stderr,
    /^error: data_dir_invalid: \S+otherix\.db records a CA rotation \(phase init, new CA sha256:[0-9a-f]{64}\), but \S+ does not hold that CA's ca-next\.crt and ca-next\.key: otherix-server would refuse to start on it, and this backup would not restore\. .*otherix-server rollback-ca-rotation --data-dir .*Nothing was written\n$/,
  );
  t.false(existsSync(out));
});

test('a backup killed after its database copy leaves only a 0700 folder with a 0600 copy beside --out; the next backup removes it and works', async (t) => {
  const first = join(await cluster.scratchDir('otherix-backups-'), 'first.tar');
  const { dataDir } = await backedUpCluster('killed-backup-node', first);
  const folder = await cluster.scratchDir('otherix-killed-');
  const out = join(folder, 'cp.tar');
  const killed = await runServerBinary(['backup', '--data-dir', dataDir, '--out', out], crashAtEnv('backup-after-database-copy'));
  t.is(killed.code, CRASH_EXIT_CODE, killed.stderr);
  const left = await readdir(folder);
  t.is(left.length, 1, left.join(', '));
  t.regex(left[0], /^\.otherix-backup-/);
  t.is(await mode(join(folder, left[0])), 0o700);
  t.deepEqual(await readdir(join(folder, left[0])), ['otherix.db']);
  t.is(
    await mode(join(folder, left[0], 'otherix.db')),
    0o600,
    'the database copy (token hashes, node rows) is 0600 from the moment it exists',
  );

  const again = await runServerBinary(['backup', '--data-dir', dataDir, '--out', out]);
  t.is(again.code, 0, again.stderr);
  t.is(await mode(out), 0o600);
  t.true(again.stderr.startsWith(`otherix-server: removed ${left[0]} in ${folder}: `), again.stderr);
  t.deepEqual(await readdir(folder), ['cp.tar'], "the killed backup's folder is gone");
});
