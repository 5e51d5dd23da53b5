// /healthz is liveness, /readyz readiness (issue 13 items 5 and 10), on a disk that really fills
// up: the data dir lives on a small tmpfs mounted for the test (root in the test sandbox; no
// stub: SQLite's own writes hit ENOSPC and report SQLITE_FULL). While the disk is full /readyz
// answers 503 with the API error body, writes fail with a message that says why, and the log
// says it once, with what to do; once space is freed the CP is ready again by itself and says
// so once; the next time the disk fills is a new episode, said again.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { lockDatabase } from '../harness/database-file.js';

const CHUNK = Buffer.alloc(256 * 1024, 0x5a);

/** Appends to `path` until the filesystem is full (ENOSPC), in ever smaller writes down to one byte. */
async function fillDisk(path: string): Promise<void> {
  const handle = await open(path, 'a');
  try {
    for (let size = CHUNK.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          await handle.write(CHUNK.subarray(0, size));
        } catch (error) {
          if ((error as { code?: string }).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function resourceLines(cp: ControlPlane): { level: string; msg: string; resource?: string }[] {
  return cp.logs
    .map((line) => JSON.parse(line) as { level: string; msg: string; resource?: string })
    .filter((entry) => entry.resource !== undefined);
}

test('a full disk: /readyz 503 while /healthz stays 200, writes refused with the reason, one log line per episode', async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), 'otherix-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', mountPoint]);
  } catch (error) {
    await rm(mountPoint, { recursive: true, force: true });
    t.fail(`this test mounts a small tmpfs to fill a disk for real and needs root (mount failed: ${(error as Error).message})`);
    return;
  }
  const dataDir = join(mountPoint, 'data');
  const filler = join(mountPoint, 'filler');
  let cp: ControlPlane | undefined;
  try {
    cp = await startControlPlane({ dataDir, captureLogs: 'info' });
    t.deepEqual((await api(cp, 'GET', '/readyz')).body, { status: 'ok' });

    await fillDisk(filler);
    const notReady = await api(cp, 'GET', '/readyz');
    t.is(notReady.status, 503);
    t.is(notReady.body.error.code, 'unavailable');
    t.is(notReady.body.error.details.database_error, 'SQLITE_FULL');
    t.regex(notReady.body.error.message, /SQLITE_FULL/);
    t.false(notReady.text.includes(dataDir), 'the public answer carries no server path');
    t.deepEqual((await api(cp, 'GET', '/healthz')).body, { status: 'ok' }, 'liveness does not depend on the disk');

    for (let i = 0; i < 5; i++) {
      const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
      t.is(minted.status, 500);
      t.is(minted.body.error.code, 'internal');
      t.regex(minted.body.error.message, /cannot store this right now \(disk full\): nothing was changed; retry later/);
    }
    t.is((await api(cp, 'GET', '/readyz')).status, 503);
    const episode = resourceLines(cp);
    t.is(episode.length, 1, JSON.stringify(episode));
    t.is(episode[0].level, 'error');
    t.is(episode[0].resource, 'disk_full');
    t.true(episode[0].msg.includes(`the disk holding ${dataDir} is full (ENOSPC/SQLITE_FULL)`), episode[0].msg);
    t.true(episode[0].msg.includes(`df -h ${dataDir}`), episode[0].msg);

    await rm(filler);
    t.deepEqual((await api(cp, 'GET', '/readyz')).body, { status: 'ok' });
    t.is((await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} })).status, 201);
    const recovered = resourceLines(cp).slice(1);
    t.is(recovered.length, 1, JSON.stringify(recovered));
    t.is(recovered[0].level, 'info');
    t.regex(recovered[0].msg, /^recovered: the database takes writes again/);

    await fillDisk(filler);
    t.is((await api(cp, 'GET', '/readyz')).status, 503);
    t.is((await api(cp, 'GET', '/readyz')).status, 503);
    const again = resourceLines(cp).slice(2);
    t.is(again.length, 1, 'a new episode is said again, once');
    t.is(again[0].resource, 'disk_full');
    await rm(filler);
  } finally {
    await cp?.close();
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
});

test('a database locked by another process past the busy timeout: /readyz 503 and one log line, until the lock is gone', async (t) => {
  const cp = await startControlPlane({ captureLogs: 'info' });
  // Another writer on otherix.db (a sqlite3 shell, a backup tool) holding its write lock.
  const lock = await lockDatabase(cp.dataDir);
  try {
    const [first, second] = await Promise.all([api(cp, 'GET', '/readyz'), api(cp, 'GET', '/readyz')]);
    for (const answer of [first, second]) {
      t.is(answer.status, 503);
      t.regex(answer.body.error.message, /\(SQLITE_BUSY: locked by another process\)/);
    }
    const episode = resourceLines(cp);
    t.is(episode.length, 1, JSON.stringify(episode));
    t.is(episode[0].resource, 'database_busy');
    t.true(episode[0].msg.includes('otherix.db stayed locked by another process for more than 5 s (SQLITE_BUSY)'), episode[0].msg);
    await lock.release();
    t.deepEqual((await api(cp, 'GET', '/readyz')).body, { status: 'ok' });
    t.regex(resourceLines(cp)[1].msg, /^recovered/);
  } finally {
    await lock.release();
    await cp.close();
  }
});

test('/readyz on a healthy CP is 200 and writes nothing anyone can see', async (t) => {
  const cp = await startControlPlane();
  try {
    for (let i = 0; i < 3; i++) t.deepEqual((await api(cp, 'GET', '/readyz')).body, { status: 'ok' });
    t.is((await api(cp, 'GET', '/v1/nodes/join-tokens', { token: cp.adminToken })).body.items.length, 0);
  } finally {
    await cp.close();
  }
});
