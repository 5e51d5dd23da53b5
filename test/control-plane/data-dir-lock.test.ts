// One data dir, one CP (issue 12 item 10): a second otherix-server on the same data dir exits 1
// naming the first one's pid; the lock dies with its process (kill -9 included), so a restart is
// never blocked; in one process, a CP started on a dir another still holds is refused too, and
// closing the first releases the dir.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { api, runServerBinary, spawnControlPlane, startControlPlane, tempDataDir } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';

/**
 * After `meanwhile` (done to the dir under the running `first`), a second otherix-server on
 * `dataDir` exits 1 naming `first`'s pid and never listens; it wrote nothing: the first still
 * answers with the same admin token. Then `first` stops cleanly (exit 0), whatever happened.
 */
async function secondIsRefused(
  t: ExecutionContext,
  dataDir: string,
  first: SpawnedControlPlane,
  meanwhile: () => Promise<void> = async () => undefined,
): Promise<void> {
  try {
    await meanwhile();
    const second = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
    t.is(second.code, 1, second.stderr);
    t.true(second.stderr.includes(`another otherix-server is running on ${dataDir} (pid ${first.child.pid})`), second.stderr);
    t.false(second.stderr.includes('listening'));
    t.is((await api(first, 'GET', '/v1/whoami', { token: first.adminToken })).status, 200);
  } finally {
    t.is((await first.stop()).code, 0);
  }
}

/** With `first` gone, the data dir starts again: the same cluster. */
async function startsAgain(t: ExecutionContext, dataDir: string, first: SpawnedControlPlane): Promise<void> {
  const again = await spawnControlPlane({ dataDir });
  t.is(again.caFingerprint, first.caFingerprint);
  await again.stop();
}

test("a second otherix-server on the same data dir exits 1 with the first one's pid, and the first keeps serving", async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-lock-');
  const first = await spawnControlPlane({ dataDir });
  await secondIsRefused(t, dataDir, first);
  // A clean stop removes the pid file; the next start takes the dir.
  t.false(existsSync(join(dataDir, 'otherix-server.pid')));
  await startsAgain(t, dataDir, first);
});

// Removing a "stale" lock file is an operator's reflex: the running CP still holds the old one.
test('a second otherix-server is refused even after the lock and pid files were deleted under the first', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-lock-removed-');
  const first = await spawnControlPlane({ dataDir });
  await secondIsRefused(t, dataDir, first, async () => {
    await rm(join(dataDir, 'otherix.lock'));
    await rm(join(dataDir, 'otherix-server.pid'));
  });
  // Once the first is gone, the dir starts again.
  await startsAgain(t, dataDir, first);
});

test('after kill -9 the stale pid file does not block a restart', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-lock-kill-');
  const first = await spawnControlPlane({ dataDir });
  const minted = await api(first, 'POST', '/v1/nodes/join-tokens', { token: first.adminToken, body: {} });
  t.is(minted.status, 201);
  await first.kill9();
  t.true(existsSync(join(dataDir, 'otherix-server.pid')), 'kill -9 leaves the pid file behind');
  const restarted = await spawnControlPlane({ dataDir });
  try {
    const listed = await api(restarted, 'GET', '/v1/nodes/join-tokens', { token: first.adminToken });
    t.true(listed.body.items.some((i: { id: string }) => i.id === minted.body.id));
    // And the restarted one holds the lock in turn.
    const third = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
    t.is(third.code, 1);
    t.true(third.stderr.includes(`(pid ${restarted.child.pid})`), third.stderr);
  } finally {
    await restarted.stop();
  }
});

test('in one process: a CP on a data dir another holds is refused; close() releases it for a restart', async (t) => {
  const first = await startControlPlane({ keepDataDir: true });
  const dataDir = first.dataDir;
  try {
    const refused = await t.throwsAsync(startControlPlane({ dataDir }), { code: 'data_dir_locked' });
    t.true(refused?.message.includes(`another otherix-server is running on ${dataDir} (pid ${process.pid})`), refused?.message);
    const binary = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
    t.is(binary.code, 1);
    t.true(binary.stderr.includes(`(pid ${process.pid})`), binary.stderr);
  } finally {
    await first.close();
  }
  const second = await startControlPlane({ dataDir });
  t.is(second.caFingerprint, first.caFingerprint);
  await second.close();
  await rm(dataDir, { recursive: true, force: true });
});
