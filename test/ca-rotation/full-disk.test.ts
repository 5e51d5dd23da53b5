// A CA rotation move that this control plane cannot apply to itself: its data dir is on a tmpfs
// that fills up, so the phase's new server.crt / client.crt cannot be written. The database is
// PostgreSQL (elsewhere), so the move itself commits: the answer is 200 with the phase, and
// `this_control_plane` says, truthfully, that this CP has not applied it and why (it still serves
// its previous certificate). It retries at every poll (2 s): once space is freed it catches up by
// itself and serves a certificate of the phase's CA. `next` refuses (409) to leave a phase this CP
// has not applied, unless --force, and the CLI says what happened and what to do.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { makeCliHome } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';
import { api, replicasForFile, spawnControlPlane, writeSecretFile } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { eventually } from '../harness/loopback.js';
import { freshDatabaseUrl } from '../harness/postgres.js';
import { fillToTheLastByte, insideOf, onNearlyFullTmpfs } from '../harness/small-filesystem.js';
import { servingCertificate } from './fleet.js';

const { folders, running } = replicasForFile(test);

interface OnSmallDisk {
  cp: SpawnedControlPlane;
  /** Fills the data dir's tmpfs to the last byte (a file beside the data dir). */
  fill: () => void;
  /** Removes what fill() wrote. */
  free: () => Promise<void>;
  cli: CliHome;
}

/** A CP on PostgreSQL whose data dir is on a 1 MiB tmpfs of its own, and the admin's CLI logged in to it. */
async function cpOnSmallDisk(t: { teardown(fn: () => Promise<void>): void }): Promise<OnSmallDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-rotation-full-disk-'));
  const mountPoint = await mkdtemp(join(tmpdir(), 'otherix-full-disk-'));
  folders.push(dir, mountPoint);
  const cp = await spawnControlPlane({
    dataDir: join(mountPoint, 'data'),
    args: ['--database-url', await freshDatabaseUrl(), '--secret-file', await writeSecretFile(join(dir, 'secret'))],
    prefix: onNearlyFullTmpfs(mountPoint, { sizeBytes: 1024 * 1024, freeBytes: 512 * 1024 }),
  });
  running.push(cp);
  const filler = insideOf(cp.child.pid, join(mountPoint, 'more-filler'));
  const fill = () => fillToTheLastByte(filler);
  const cli = await makeCliHome();
  t.teardown(() => cli.remove());
  const login = await cli.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint, '--token-env', 'T'], {
    T: cp.adminToken,
  });
  if (login.exitCode !== 0) throw new Error(`login failed: ${login.stderr}`);
  return { cp, fill, free: () => rm(filler), cli };
}

/** The CA certificates of a trust bundle (self-signed blocks; the cross-certificates aside), by fingerprint. */
function casOf(bundlePem: string): Map<string, string> {
  const blocks = bundlePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  const selfSigned = blocks.filter((pem) => {
    const cert = new X509Certificate(pem);
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  });
  return new Map(selfSigned.map((pem) => [fingerprintOfPem(pem), pem]));
}

/** Whether `caPem` signed `certPem`. */
function issuedBy(certPem: string | X509Certificate, caPem: string): boolean {
  const cert = typeof certPem === 'string' ? new X509Certificate(certPem) : certPem;
  const ca = new X509Certificate(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/** The two CAs of the rotation once `init` ran: what the test trusts and checks issuers against. */
async function rotationCas(cp: SpawnedControlPlane, newFingerprint: string): Promise<{ trust: string; newCaPem: string }> {
  const bundle = (await api(cp, 'GET', '/v1/ca')).body.trust_bundle_pem as string;
  const newCaPem = casOf(bundle).get(newFingerprint);
  if (newCaPem === undefined) throw new Error(`the bundle does not hold ${newFingerprint}`);
  return { trust: cp.caPem + newCaPem, newCaPem };
}

const logLines = (cp: SpawnedControlPlane, event: string) =>
  cp
    .output()
    .stdout.split('\n')
    .filter((line) => line.includes(`"event":"${event}"`));

test('a move this CP cannot apply (its disk is full) answers the phase with this_control_plane not applied and why; freed, it catches up at a poll and serves from the phase CA', async (t) => {
  t.timeout(180_000);
  const { cp, fill, free, cli } = await cpOnSmallDisk(t);
  const move = async (trust: string) =>
    api({ url: cp.url, caPem: trust }, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next', force: true } });

  const init = await move(cp.caPem);
  t.is(init.status, 200, init.text);
  t.deepEqual(init.body.this_control_plane, { applied: true, applied_phase: 'init', error: null });
  const { trust, newCaPem } = await rotationCas(cp, init.body.new_ca_fingerprint);
  t.is((await move(trust)).body.phase, 'update_clients');
  t.true(issuedBy(await readFile(join(cp.dataDir, 'client.crt'), 'utf8'), newCaPem), 'update_clients applied: client.crt of the new CA');

  fill();
  const moved = await move(trust);
  t.is(moved.status, 200, 'the phase is committed: an error would invite a retry that moves one phase further');
  t.is(moved.body.phase, 'update_servers');
  const here = moved.body.this_control_plane;
  t.false(here.applied);
  t.is(here.applied_phase, 'update_clients');
  t.is(here.error.code, 'file_write_failed');
  t.regex(
    here.error.message,
    /^this control plane could not move its own certificates to phase update_servers \(cannot write \S+\/server\.(key|crt) \(ENOSPC\): /,
  );
  t.true(
    here.error.message.includes('retries by itself every few seconds; free space on the filesystem of its data dir'),
    here.error.message,
  );
  t.true(issuedBy(await servingCertificate(cp, trust), cp.caPem), 'it still serves its certificate of the old CA');
  t.true(issuedBy(await readFile(join(cp.dataDir, 'server.crt'), 'utf8'), cp.caPem));

  const status = await api({ url: cp.url, caPem: trust }, 'GET', '/v1/ca/rotation', { token: cp.adminToken });
  t.false(status.body.this_control_plane.applied);
  t.is(status.body.this_control_plane.error.code, 'file_write_failed');
  const text = await cli.run(['ca', 'rotation', 'status']);
  t.is(text.exitCode, 0, text.stderr);
  t.regex(
    text.stdout,
    /\nThis control plane: NOT applied phase update_servers \(it still works as in phase update_clients\): file_write_failed: this control plane could not move its own certificates to phase update_servers \(cannot write .*ENOSPC.*free space on the filesystem of its data dir.*\n {2}The phase stands \(do not run next again to retry: it would move one phase further\); next waits for this control plane, or --force\.\n$/,
  );

  await free();
  const caughtUp = await eventually(
    () => api({ url: cp.url, caPem: trust }, 'GET', '/v1/ca/rotation', { token: cp.adminToken }),
    (answer) => answer.body.this_control_plane.applied === true,
    30_000,
    200,
  );
  t.deepEqual(caughtUp.body.this_control_plane, { applied: true, applied_phase: 'update_servers', error: null });
  t.true(issuedBy(await servingCertificate(cp, trust), newCaPem), 'a new connection gets a certificate of the new CA');
  t.true(issuedBy(await readFile(join(cp.dataDir, 'server.crt'), 'utf8'), newCaPem));
  const shown = await cli.run(['ca', 'rotation', 'status']);
  t.regex(shown.stdout, /\nThis control plane: applied phase update_servers \(its certificates and TLS use the phase's CAs\)\n$/);

  t.is(logLines(cp, 'ca_rotation_not_applied').length, 1, 'warned once, not at every poll');
  t.true(logLines(cp, 'ca_rotation_not_applied')[0].includes('"level":"warn"'));
  t.is(logLines(cp, 'ca_rotation_caught_up').length, 1);
});

test('next refuses (409) to leave a phase this CP has not applied, and says why; --force moves on, and the CP catches up with the new phase once it can write', async (t) => {
  t.timeout(180_000);
  const { cp, fill, free, cli } = await cpOnSmallDisk(t);
  const init = await api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next' } });
  t.is(init.status, 200, init.text);
  const { trust, newCaPem } = await rotationCas(cp, init.body.new_ca_fingerprint);
  const target = { url: cp.url, caPem: trust };

  fill();
  const toClients = await api(target, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next' } });
  t.is(toClients.status, 200, 'no node lags and this CP had applied init');
  t.is(toClients.body.phase, 'update_clients');
  t.false(toClients.body.this_control_plane.applied);
  t.regex(toClients.body.this_control_plane.error.message, /cannot write \S+\/client\.(key|crt) \(ENOSPC\)/);

  const refused = await api(target, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next' } });
  t.is(refused.status, 409, refused.text);
  t.is(refused.body.error.code, 'conflict');
  t.regex(
    refused.body.error.message,
    /^this control plane has not applied phase update_clients yet: this control plane could not move its own certificates/,
  );
  t.true(
    refused.body.error.message.endsWith(
      '`next` waits for it, or pass --force (this control plane then catches up with the next phase by itself once it can write its certificates)',
    ),
  );
  t.is(refused.body.error.details.this_control_plane.error.code, 'file_write_failed');
  const byCli = await cli.run(['ca', 'rotation', 'next']);
  t.is(byCli.exitCode, 1);
  t.regex(byCli.stderr, /^error: conflict: this control plane has not applied phase update_clients yet: /);
  t.is((await api(target, 'GET', '/v1/ca/rotation', { token: cp.adminToken })).body.phase, 'update_clients', 'nothing moved');

  const forced = await cli.run(['ca', 'rotation', 'next', '--force']);
  t.is(forced.exitCode, 0, forced.stderr);
  t.regex(forced.stdout, /^Phase: update_servers /);
  t.regex(
    forced.stdout,
    /\nThis control plane: NOT applied phase update_servers \(it still works as in phase init\): file_write_failed: this control plane could not move its own certificates to phase update_servers \(cannot write \S+ \(ENOSPC\)/,
    'the forced move happened; this CP still lags, and the output says so',
  );

  await free();
  await eventually(
    () => api(target, 'GET', '/v1/ca/rotation', { token: cp.adminToken }),
    (answer) => answer.body.this_control_plane.applied === true,
    30_000,
    200,
  );
  t.true(issuedBy(await readFile(join(cp.dataDir, 'client.crt'), 'utf8'), newCaPem));
  t.true(issuedBy(await readFile(join(cp.dataDir, 'server.crt'), 'utf8'), newCaPem));
  t.true(issuedBy(await servingCertificate(cp, trust), newCaPem));
  const done = await cli.run(['ca', 'rotation', 'next']);
  t.is(done.exitCode, 0, done.stderr);
  t.regex(done.stdout, /^Phase: standby /);
  t.regex(done.stdout, /\nThis control plane: applied phase standby /);
});
