// A SQLite data dir in the middle of a CA rotation whose ca-next.key was lost (issue 19 review):
// the CP refuses to start on it, saying what happened and the way out, and that way out works:
// `otherix-server rollback-ca-rotation --data-dir D` with the CP stopped rolls the rotation back
// (from init to standby; from update_clients or update_servers to the phase rollback, in which the
// CP starts without the new CA's key), the CP starts, `otherix ca rotation next` ends the rollback,
// and a new rotation starts and completes, with a real agent heartbeating on through all of it.
// Before, the start was refused for good and no command could reach the rotation.
// An encrypted ca-next.key whose passphrase file is missing is refused for that cause instead.
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { api, runServerBinary, spawnControlPlane } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { eventually, freePort } from '../harness/loopback.js';
import { caFilesSettled, isFailure, moveWhenCaughtUp, rotationStatus, servingCertificate, startFleet } from './fleet.js';
import type { Fleet } from './fleet.js';

/** Moves a CP's rotation with the API, forced (no nodes to wait for), and returns the phase. */
async function forceNext(cp: SpawnedControlPlane): Promise<string> {
  const moved = await api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next', force: true } });
  if (moved.status !== 200) throw new Error(`next: ${moved.status} ${moved.text}`);
  return (moved.body as { phase: string }).phase;
}

/** Stops the CP, loses ca-next.key, and checks that a start is refused naming the way out. */
async function loseNextKeyAndRefuse(
  t: ExecutionContext,
  cp: SpawnedControlPlane,
  phase: string,
  listen: string,
  args: string[] = [],
): Promise<void> {
  await cp.stop();
  await rm(join(cp.dataDir, 'ca-next.key'));
  const refused = await runServerBinary(['serve', '--data-dir', cp.dataDir, '--listen', listen, ...args]);
  t.is(refused.code, 1, refused.stderr);
  t.regex(
    refused.stderr,
    /^error: data_dir_invalid: \S+ca-next\.key is missing, but \S+otherix\.db is in the middle of a CA rotation \(phase (\w+),/,
  );
  t.true(refused.stderr.includes(`(phase ${phase},`), refused.stderr);
  t.true(refused.stderr.includes(`\`otherix-server rollback-ca-rotation --data-dir ${cp.dataDir}\``), refused.stderr);
  t.true(refused.stderr.includes('Nothing was changed.'), refused.stderr);
}

/** The last heartbeat the CP recorded for a node (ms). */
async function lastHeartbeat(fleet: Fleet, name: string): Promise<number> {
  const answer = await api<{ items: { name: string; last_heartbeat_at: string | null }[] }>(
    { url: fleet.cp.url, caPem: fleet.cp.caPem },
    'GET',
    '/v1/nodes',
    { token: fleet.cp.adminToken },
  );
  const node = answer.body.items.find((n) => n.name === name);
  return node?.last_heartbeat_at == null ? 0 : Date.parse(node.last_heartbeat_at);
}

for (const [lostIn, phases, after] of [
  ['init', ['init'], 'standby'],
  ['update_clients', ['init', 'update_clients'], 'rollback'],
] as const) {
  test(`ca-next.key lost in ${lostIn}: the start is refused naming rollback-ca-rotation, which brings the cluster back; the agent beats on and a new rotation completes`, async (t) => {
    t.timeout(300_000);
    const listen = `127.0.0.1:${await freePort()}`;
    const name = `lost-key-${lostIn.replace('_', '-')}`;
    const fleet = await startFleet(t, [name], ['--listen', listen]);
    const [node] = fleet.nodes as [(typeof fleet.nodes)[0]];
    const oldFingerprint = fleet.cp.caFingerprint;
    const oldCa = new X509Certificate(fleet.cp.caPem);
    for (const phase of phases) t.is((await moveWhenCaughtUp(fleet)).phase, phase);
    if (lostIn === 'update_clients') {
      await eventually(
        () => rotationStatus(fleet),
        (s) => s.nodes.leaf_from_new_ca === 1,
        60_000,
        200,
      );
    }
    const dataDir = fleet.cp.dataDir;
    await loseNextKeyAndRefuse(t, fleet.cp, lostIn, listen);

    const rolled = await runServerBinary(['rollback-ca-rotation', '--data-dir', dataDir]);
    t.is(rolled.code, 0, rolled.stderr);
    t.true(rolled.stderr.includes(`back from ${lostIn} to ${after}`), rolled.stderr);
    t.regex(rolled.stderr, /^next: start the CP/m);

    // The CP starts where its agent expects it, and the agent's heartbeats are heard again.
    const restartedAt = Date.now();
    fleet.cp = await spawnControlPlane({ dataDir, listen });
    const restarted = fleet.cp;
    t.teardown(() => restarted.stop().then(() => undefined));
    t.is(fleet.cp.caFingerprint, oldFingerprint, 'it serves from the old CA');
    await eventually(
      () => lastHeartbeat(fleet, name),
      (at) => at > restartedAt,
      60_000,
      200,
    );
    const failuresBefore = node.serve.records.filter(isFailure).length;
    t.is((await rotationStatus(fleet)).phase, after);
    if (after === 'rollback') t.is((await moveWhenCaughtUp(fleet)).phase, 'standby', 'the node renewed back, and next ends the rollback');
    const back = await rotationStatus(fleet);
    t.is(back.ca_fingerprint, oldFingerprint);
    t.is(back.new_ca_fingerprint, null);
    await t.throwsAsync(stat(join(dataDir, 'ca-next.crt')), { code: 'ENOENT' });
    t.deepEqual(await caFilesSettled([node]), [oldFingerprint], "the agent's ca.crt holds the old CA alone again");
    t.true(new X509Certificate(await readFile(join(node.certDir, 'agent.crt'), 'utf8')).checkIssued(oldCa), 'an old-CA leaf');

    // A new rotation starts and completes, the agent beating on.
    for (const phase of ['init', 'update_clients', 'update_servers', 'standby'] as const) {
      t.is((await moveWhenCaughtUp(fleet)).phase, phase);
      if (phase === 'update_clients')
        await eventually(
          () => rotationStatus(fleet),
          (s) => s.nodes.leaf_from_new_ca === 1,
          60_000,
          200,
        );
    }
    const rotated = await rotationStatus(fleet);
    t.not(rotated.ca_fingerprint, oldFingerprint);
    t.deepEqual(await caFilesSettled([node]), [rotated.ca_fingerprint], "the agent's ca.crt holds the new cluster CA");
    t.is(rotated.nodes.heartbeating, 1);
    t.deepEqual(node.serve.records.filter(isFailure).slice(failuresBefore), [], 'no heartbeat or renewal failed once the CP was back');
  });
}

test('ca-next.key lost in update_servers: rollback-ca-rotation refuses a running CP, then takes the stopped one to rollback, where it serves from the old CA; next ends it and a new rotation starts', async (t) => {
  t.timeout(120_000);
  const listen = `127.0.0.1:${await freePort()}`;
  let cp = await spawnControlPlane({ listen });
  t.teardown(() => cp.stop().then(() => undefined));
  const oldPem = cp.caPem;
  for (const phase of ['init', 'update_clients', 'update_servers']) t.is(await forceNext(cp), phase);
  const newPem = await readFile(join(cp.dataDir, 'ca-next.crt'), 'utf8');

  const whileRunning = await runServerBinary(['rollback-ca-rotation', '--data-dir', cp.dataDir]);
  t.is(whileRunning.code, 1);
  t.regex(whileRunning.stderr, /^error: data_dir_locked: another otherix-server is running on .*`otherix ca rotation rollback`/);

  await loseNextKeyAndRefuse(t, cp, 'update_servers', listen);
  const rolled = await runServerBinary(['rollback-ca-rotation', '--data-dir', cp.dataDir]);
  t.is(rolled.code, 0, rolled.stderr);
  t.true(rolled.stderr.includes('back from update_servers to rollback'), rolled.stderr);
  // No CP logs this move: the command's last line is the audit line the API's rollback gets.
  const audit = JSON.parse(rolled.stderr.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
  t.like(audit, {
    audit: true,
    event: 'ca_rotation.moved',
    from: 'update_servers',
    to: 'rollback',
    force: false,
    lagging: [],
    actor: { kind: 'host_user', command: 'otherix-server rollback-ca-rotation' },
  });
  t.regex(String(audit['new_ca_fingerprint']), /^sha256:[0-9a-f]{64}$/);
  // Run again: nothing more to do, and it says so (no audit line: nothing changed).
  const again = await runServerBinary(['rollback-ca-rotation', '--data-dir', cp.dataDir]);
  t.is(again.code, 0, again.stderr);
  t.true(again.stderr.includes('in the phase rollback already: nothing was changed'), again.stderr);
  t.false(again.stderr.includes('"audit":true'), again.stderr);
  // Rolling back, the data dir needs no new CA's key: a backup of it is taken (it would restore and start).
  const out = join(await mkdtemp(join(tmpdir(), 'otherix-lost-key-backup-')), 'cp.tar');
  t.teardown(() => rm(join(out, '..'), { recursive: true, force: true }));
  const backup = await runServerBinary(['backup', '--data-dir', cp.dataDir, '--out', out]);
  t.is(backup.code, 0, backup.stderr);

  cp = await spawnControlPlane({ dataDir: cp.dataDir, listen });
  const served = await servingCertificate(cp, `${oldPem}${newPem}`);
  t.true(served.verify(new X509Certificate(oldPem).publicKey), 'the CP serves a certificate of the old CA again');
  const client = new X509Certificate(await readFile(join(cp.dataDir, 'client.crt'), 'utf8'));
  t.true(client.verify(new X509Certificate(oldPem).publicKey), "the CP's client certificate is the old CA's again");
  t.is(await forceNext(cp), 'standby');
  await t.throwsAsync(stat(join(cp.dataDir, 'ca-next.crt')), { code: 'ENOENT' });
  t.is(await forceNext(cp), 'init', 'a new rotation starts');
});

test('an encrypted ca-next.key: without its passphrase file the start names the passphrase, not a lost key; lost, the rollback needs no passphrase', async (t) => {
  t.timeout(120_000);
  const listen = `127.0.0.1:${await freePort()}`;
  // The passphrase file lives apart from the data dir.
  const dir = await mkdtemp(join(tmpdir(), 'otherix-lost-key-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const passphrasePath = join(dir, 'ca-key.passphrase');
  await writeFile(passphrasePath, `pass ${randomBytes(18).toString('base64')}\n`, { mode: 0o600 });
  const flag = ['--ca-key-passphrase-file', passphrasePath];
  let cp = await spawnControlPlane({ listen, args: flag });
  t.teardown(() => cp.stop().then(() => undefined));
  t.is(await forceNext(cp), 'init');
  t.false((await readFile(join(cp.dataDir, 'ca-next.key'), 'utf8')).includes('-----BEGIN PRIVATE KEY-----'), 'ca-next.key is encrypted');
  await cp.stop();

  const withoutFlag = await runServerBinary(['serve', '--data-dir', cp.dataDir, '--listen', listen]);
  t.is(withoutFlag.code, 1);
  t.regex(withoutFlag.stderr, /^error: ca_key_locked: .* is encrypted and no passphrase was given: pass --ca-key-passphrase-file FILE/);
  t.false(withoutFlag.stderr.includes('is missing'), withoutFlag.stderr);
  const missingFile = await runServerBinary([
    'serve',
    '--data-dir',
    cp.dataDir,
    '--listen',
    listen,
    '--ca-key-passphrase-file',
    join(dir, 'gone'),
  ]);
  t.is(missingFile.code, 1);
  t.regex(missingFile.stderr, /^error: config_invalid: failed to start: cannot read the CA key passphrase file \S+gone \(ENOENT\)/);

  await loseNextKeyAndRefuse(t, cp, 'init', listen, flag);
  const rolled = await runServerBinary(['rollback-ca-rotation', '--data-dir', cp.dataDir]);
  t.is(rolled.code, 0, rolled.stderr);
  cp = await spawnControlPlane({ dataDir: cp.dataDir, listen, args: flag });
  t.is((await api(cp, 'GET', '/v1/ca/rotation', { token: cp.adminToken })).body?.phase, 'standby');
  t.is(await forceNext(cp), 'init', 'a new rotation starts, its key encrypted again');
});
