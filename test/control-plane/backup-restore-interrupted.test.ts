// A backup stopped mid-way leaves no copy of the database and keys behind (the adversarial
// review's finding, with the real binary and real signals): the backup stops itself (SIGSTOP,
// crash-hook.ts) right after its database copy, while its 0700 temp folder holds that copy, and
// the test signals it there. SIGTERM and SIGINT: it removes the folder and ends by that signal.
// SIGKILL cannot be caught: the folder stays, and the next backup into the same folder removes
// it, says so, and writes an archive that restores. A folder whose backup still runs is left
// alone, and that backup finishes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createClient } from '@otherix/sdk';
import { OTHERIX_SERVER_BIN, runServerBinary, spawnControlPlane, tempDataDir } from '../harness/control-plane.js';
import { stopAtEnv } from '../harness/crash-points.js';
import { childOutput, waitUntilStopped } from '../harness/processes.js';
import type { ChildOutput } from '../harness/processes.js';

const STEP = 'backup-after-database-copy';
const WORK_FOLDER = /^\.otherix-backup-.+-(\d+)-[A-Za-z0-9]{6}$/;

let dataDir = '';
let fingerprint = '';

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'otherix-cp-interrupted-'));
  const cp = await spawnControlPlane({ dataDir });
  try {
    const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
    await admin.joinTokens.create({ node_name: 'interrupted-node' });
    await admin.close();
    fingerprint = cp.caFingerprint;
  } finally {
    await cp.stop();
  }
});

test.after.always(async () => {
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

/** `otherix-server backup` started, then stopped by itself right after its database copy. */
async function stoppedBackup(out: string): Promise<{ pid: number; signal: (name: NodeJS.Signals) => void; done: Promise<ChildOutput> }> {
  const child = spawn(process.execPath, [OTHERIX_SERVER_BIN, 'backup', '--data-dir', dataDir, '--out', out], {
    env: { ...process.env, ...stopAtEnv(STEP) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = childOutput(child);
  await Promise.race([waitUntilStopped(child.pid!), done.then((o) => Promise.reject(new Error(`it ended first: ${o.stderr}`)))]);
  return { pid: child.pid!, signal: (name) => child.kill(name), done };
}

const workFolders = async (folder: string): Promise<string[]> => (await readdir(folder)).filter((name) => WORK_FOLDER.test(name));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`a backup stopped by ${signal} mid-way removes its temp folder (the database copy) and ends by ${signal}`, async (t) => {
    const folder = await tempDataDir(t, 'otherix-backups-');
    const out = join(folder, 'cp.tar');
    const backup = await stoppedBackup(out);
    const [work] = await workFolders(folder);
    t.truthy(work, 'the temp folder exists while it runs');
    t.is(Number(WORK_FOLDER.exec(work)![1]), backup.pid, 'named for its pid');
    t.deepEqual(await readdir(join(folder, work)), ['otherix.db'], 'it holds the database copy');

    backup.signal(signal);
    backup.signal('SIGCONT');
    const ended = await backup.done;
    t.is(ended.signal, signal, `ended by ${signal} (a shell shows ${signal === 'SIGTERM' ? 143 : 130}): ${ended.stderr}`);
    t.is(ended.stderr, `otherix-server: backup stopped by ${signal}; removed its temp folder ${join(folder, work)}\n`);
    t.deepEqual(await readdir(folder), [], 'no temp folder, no archive');
  });
}

test('a backup killed with SIGKILL leaves its temp folder; the next backup there removes it, says so, and its archive restores', async (t) => {
  const folder = await tempDataDir(t, 'otherix-backups-');
  const out = join(folder, 'cp.tar');
  const backup = await stoppedBackup(out);
  backup.signal('SIGKILL');
  t.is((await backup.done).signal, 'SIGKILL');
  const left = await workFolders(folder);
  t.is(left.length, 1, 'SIGKILL cannot be caught: the folder stays');
  t.is((await stat(join(folder, left[0]))).mode & 0o777, 0o700);

  const next = await runServerBinary(['backup', '--data-dir', dataDir, '--out', out]);
  t.is(next.code, 0, next.stderr);
  t.true(
    next.stderr.startsWith(`otherix-server: removed ${left[0]} in ${folder}: the temp folder of a backup killed before it finished\n`),
    next.stderr,
  );
  t.regex(next.stderr, /backed up cluster [0-9a-f-]{36} \(0 nodes/);
  t.deepEqual(await readdir(folder), ['cp.tar'], 'only the archive is left');

  // The archive is whole: it restores, and the restored data dir is the same cluster.
  const restored = join(await tempDataDir(t, 'otherix-restored-'), 'data');
  const restore = await runServerBinary(['restore', '--data-dir', restored, '--from', out]);
  t.is(restore.code, 0, restore.stderr);
  t.is((await runServerBinary(['ca-fingerprint', '--data-dir', restored])).stdout.trim(), fingerprint);
  t.true(existsSync(join(restored, 'otherix.db')));
});

test('a backup running at the same time keeps its temp folder, and finishes; so does a folder named for another host', async (t) => {
  const folder = await tempDataDir(t, 'otherix-backups-');
  const running = await stoppedBackup(join(folder, 'first.tar'));
  const [live] = await workFolders(folder);
  // A folder another host's backup (same NFS folder) made: its pid means nothing here.
  const elsewhere = '.otherix-backup-elsewhere.example-999999-abcDEF';
  await mkdir(join(folder, elsewhere), { mode: 0o700 });
  try {
    const second = await runServerBinary(['backup', '--data-dir', dataDir, '--out', join(folder, 'second.tar')]);
    t.is(second.code, 0, second.stderr);
    t.false(second.stderr.includes('removed'), second.stderr);
    t.deepEqual((await readdir(folder)).sort(), [live, elsewhere, 'second.tar'].sort(), 'the running backup keeps its folder');
  } finally {
    running.signal('SIGCONT');
  }
  const first = await running.done;
  t.is(first.exitCode, 0, first.stderr);
  t.deepEqual((await readdir(folder)).sort(), [elsewhere, 'first.tar', 'second.tar'].sort());
});
