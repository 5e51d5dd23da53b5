// Agents that start during a CA rotation (issue 19), with the real binaries. In update_clients a
// node's leaf is from the new CA while its ca.crt is anchored at the old one (the pin) and holds
// the new one beside it: a serve restarted then (a host reboot, systemd restarting it), and a host
// that joins then with the fingerprint the mint block prints, must get to State B with that leaf,
// not wait in State A asking for a re-bootstrap; the rotation then completes with them beating.
// A CP restarted in each phase takes its own certificates as the rotation left them, without a
// warning that they are "not issued by this cluster's CA", serves from the phase's CA, and its start
// line (and the `otherix login` it prints) names that CA.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { startServe } from '../harness/agent.js';
import { api, spawnControlPlane } from '../harness/control-plane.js';
import { eventually } from '../harness/loopback.js';
import { bootstrapAndServe } from '../harness/served-node.js';
import { isFailure, moveWhenCaughtUp, rotationStatus, startFleet } from './fleet.js';

test('in update_clients, a serve restarted after its renewal and a host that joins then both serve with their new-CA leaf; the rotation completes', async (t) => {
  t.timeout(240_000);
  const fleet = await startFleet(t, ['restarted']);
  const [node] = fleet.nodes as [(typeof fleet.nodes)[0]];
  t.is((await moveWhenCaughtUp(fleet)).phase, 'init');
  t.is((await moveWhenCaughtUp(fleet)).phase, 'update_clients');
  await eventually(
    () => rotationStatus(fleet),
    (status) => status.nodes.leaf_from_new_ca === 1,
    60_000,
    200,
  );

  // The host reboots: serve starts again on a new-CA leaf and a two-CA ca.crt.
  await node.serve.stop();
  const restarted = startServe(['serve', '--config', node.configPath, '--poll-interval', '100ms']);
  t.teardown(() => restarted.stop().then(() => undefined));
  const first = await restarted.waitForLog((r) => r.msg === 'state B: serving' || /^state A: waiting/.test(r.msg), 30_000);
  t.is(first.msg, 'state B: serving', JSON.stringify(first));
  await restarted.waitForLog((r) => r.msg === 'heartbeat: first heartbeat accepted');

  // A host joins now (the CP serves from the old CA, signs with the new one) and serves.
  const late = await bootstrapAndServe(fleet.cp, fleet.admin, 'late-joiner');
  fleet.nodes.push(late);
  await late.serve.waitForLog((r) => r.msg === 'heartbeat: first heartbeat accepted');

  t.is((await moveWhenCaughtUp(fleet, ['next'], 2)).phase, 'update_servers');
  t.is((await moveWhenCaughtUp(fleet, ['next'], 2)).phase, 'standby');
  await eventually(
    () => rotationStatus(fleet),
    (status) => status.nodes.heartbeating === 2,
    60_000,
    200,
  );
  t.deepEqual(restarted.records.filter(isFailure), [], 'the restarted node never failed a beat');
  t.deepEqual(late.serve.records.filter(isFailure), [], 'the late joiner never failed a beat');
});

test("a CP restarted in each phase of a rotation takes its certificates as the rotation left them, with no warning, and serves from the phase's CA", async (t) => {
  let cp = await spawnControlPlane();
  t.teardown(() => cp.stop().then(() => undefined));
  const original = cp.caPem;
  const servedIssuer = async (): Promise<string> => {
    const next = await readFile(join(cp.dataDir, 'ca-next.crt'), 'utf8').catch(() => '');
    const serverCert = new X509Certificate(await readFile(join(cp.dataDir, 'server.crt'), 'utf8'));
    return next !== '' && serverCert.verify(new X509Certificate(next).publicKey) ? 'new' : 'old';
  };
  for (const [phase, serving] of [
    ['init', 'old'],
    ['update_clients', 'old'],
    ['update_servers', 'new'],
  ] as const) {
    const moved = await api(cp, 'POST', '/v1/ca/rotation', { token: cp.adminToken, body: { target: 'next', force: true } });
    t.is(moved.body?.phase, phase, moved.text);
    await cp.stop();
    cp = await spawnControlPlane({ dataDir: cp.dataDir });
    const { stdout, stderr } = cp.output();
    t.false(/was not issued by this cluster's CA/.test(stdout + stderr), `${phase}: ${stderr}`);
    t.is(await servedIssuer(), serving, phase);
    // The start line's fingerprint (and its `otherix login` command) is the CA it serves from.
    const nextPem = await readFile(join(cp.dataDir, 'ca-next.crt'), 'utf8');
    t.is(cp.caFingerprint, fingerprintOfPem(serving === 'new' ? nextPem : original), phase);
    // The `next:` line follows the listening line: wait until it has been read.
    const lines = await eventually(
      async () => cp.output().stderr,
      (text) => text.includes('next: otherix login'),
    );
    t.regex(lines, new RegExp(`next: otherix login --cp-url \\S+ --ca-fingerprint ${cp.caFingerprint} `));
    const rotation = await api(
      { url: cp.url, caPem: `${original}${await readFile(join(cp.dataDir, 'ca-next.crt'), 'utf8')}` },
      'GET',
      '/v1/ca/rotation',
      { token: cp.adminToken },
    );
    t.is(rotation.body?.phase, phase);
  }
});
