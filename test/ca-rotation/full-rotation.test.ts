// End to end with the real binaries (issue 19): a CP and three running agents go through a whole
// CA rotation, driven by an admin CLI that logged in before it. Not one heartbeat or renewal
// fails, and after every phase the CP's client certificate (as the phase wants it) reaches each
// agent's server. A join in each phase uses the fingerprint the mint block printed then; from
// update_servers on, the mint block, /v1/ca and `otherix-server ca-fingerprint` name the new CA.
// Once complete, the agents' ca.crt and the CLI's config hold the new CA alone, and a certificate
// of the old CA is refused with ca_retired.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { api, runServerBinary } from '../harness/control-plane.js';
import { heartbeatBody } from '../harness/cluster.js';
import { eventually } from '../harness/loopback.js';
import {
  caFileFingerprints,
  caFilesSettled,
  cpReachesEveryAgent,
  isFailure,
  joinNewHost,
  mintWithCli,
  moveWhenCaughtUp,
  rotationCli,
  rotationStatus,
  startFleet,
} from './fleet.js';

test('a full CA rotation with three agents running: no heartbeat fails, the CP reaches every agent, joins work in every phase, the old CA ends refused', async (t) => {
  t.timeout(300_000);
  const fleet = await startFleet(t, ['rot-a', 'rot-b', 'rot-c']);
  const { cp, cli, nodes } = fleet;
  const oldFingerprint = cp.caFingerprint;
  const oldLeaf = {
    certPem: await readFile(join(nodes[0].certDir, 'agent.crt'), 'utf8'),
    keyPem: await readFile(join(nodes[0].certDir, 'agent.key'), 'utf8'),
  };
  const before = await rotationCli(cli, ['status']);
  t.is(before.phase, 'standby');
  t.is(before.new_ca_fingerprint, null);

  // init: a new CA, trusted by everyone alongside the old one.
  const init = await rotationCli(cli, ['next']);
  t.is(init.phase, 'init');
  const newFingerprint = init.new_ca_fingerprint!;
  t.regex(newFingerprint, /^sha256:[0-9a-f]{64}$/);
  t.not(newFingerprint, oldFingerprint);
  t.is(init.serving_ca_fingerprint, oldFingerprint);
  await eventually(
    () => rotationStatus(fleet),
    (s) => s.nodes.trust_new_ca === 3,
    30_000,
    200,
  );
  for (const node of nodes) t.is(await caFileFingerprints(node), 4, `${node.name}: both CAs and both cross-certificates`);
  t.deepEqual(await cpReachesEveryAgent(fleet, cp.caPem), [200, 200, 200]);
  const initMint = await mintWithCli(cli, 'join-in-init');
  t.is(initMint.fingerprint, oldFingerprint);
  t.is((await joinNewHost(t, cp, 'join-in-init', initMint)).exitCode, 0);

  // update_clients: new leaves from the new CA; the CP's client certificate too.
  t.is((await moveWhenCaughtUp(fleet)).phase, 'update_clients');
  await eventually(
    () => rotationStatus(fleet),
    (s) => s.nodes.leaf_from_new_ca === 3,
    60_000,
    200,
  );
  const clientCert = await readFile(join(cp.dataDir, 'client.crt'), 'utf8');
  const newCaPem = await readFile(join(cp.dataDir, 'ca-next.crt'), 'utf8');
  t.is(fingerprintOfPem(newCaPem), newFingerprint);
  t.true(new X509Certificate(clientCert).checkIssued(new X509Certificate(newCaPem)), "the CP's client certificate is the new CA's");
  t.deepEqual(await cpReachesEveryAgent(fleet, `${cp.caPem}${newCaPem}`), [200, 200, 200]);
  const clientsMint = await mintWithCli(cli, 'join-in-update-clients');
  t.is(clientsMint.fingerprint, oldFingerprint);
  t.is((await joinNewHost(t, cp, 'join-in-update-clients', clientsMint)).exitCode, 0);

  // update_servers: the CP serves from the new CA; every surface names it.
  t.is((await moveWhenCaughtUp(fleet)).phase, 'update_servers');
  const fingerprintCommand = await runServerBinary(['ca-fingerprint', '--data-dir', cp.dataDir]);
  t.is(fingerprintCommand.stdout.trim(), newFingerprint);
  const served = await api({ url: cp.url, caPem: newCaPem }, 'GET', '/v1/ca');
  t.is(served.body.fingerprint, newFingerprint);
  t.deepEqual(await cpReachesEveryAgent(fleet, `${cp.caPem}${newCaPem}`), [200, 200, 200]);
  const serversMint = await mintWithCli(cli, 'join-in-update-servers');
  t.is(serversMint.fingerprint, newFingerprint);
  t.is((await joinNewHost(t, cp, 'join-in-update-servers', serversMint)).exitCode, 0);

  // complete: the old CA is gone everywhere.
  const done = await moveWhenCaughtUp(fleet);
  t.is(done.phase, 'standby');
  t.is(done.ca_fingerprint, newFingerprint);
  t.deepEqual(
    await caFilesSettled(nodes),
    nodes.map(() => newFingerprint),
  );
  t.deepEqual(await cpReachesEveryAgent(fleet, newCaPem), [200, 200, 200]);
  const afterMint = await mintWithCli(cli, 'join-after');
  t.is(afterMint.fingerprint, newFingerprint);
  t.is((await joinNewHost(t, cp, 'join-after', afterMint)).exitCode, 0);

  // The CLI that logged in before the rotation works on without a new login, pinned to the new CA.
  const whoami = await cli.run(['whoami']);
  t.is(whoami.exitCode, 0, whoami.stderr);
  const config = await readFile(cli.configPath, 'utf8');
  t.true(config.includes(`ca_fingerprint: ${newFingerprint}`) || config.includes(`ca_fingerprint: "${newFingerprint}"`), config);

  // A certificate of the old CA: refused, saying why and what to do.
  const refused = await api({ url: cp.url, caPem: newCaPem }, 'POST', '/v1/nodes/heartbeat', { cert: oldLeaf, body: heartbeatBody() });
  t.is(refused.status, 401, refused.text);
  t.is(refused.body.error.code, 'ca_retired');
  t.regex(refused.body.error.message, /retired .*otherix node join-token create --node-name rot-a.*otherix-agent bootstrap --force/);

  for (const node of nodes) t.deepEqual(node.serve.records.filter(isFailure), [], `${node.name}: no heartbeat or renewal failed`);

  // Two CA keys, several rekeys and the admin token went through this rotation: none reached a log.
  const newCaKey = await readFile(join(cp.dataDir, 'ca.key'), 'utf8');
  t.truthy(cp.adminToken);
  const outputs = [cp.output().stdout, cp.output().stderr, ...nodes.map((node) => node.serve.stderr())];
  for (const text of outputs) {
    t.false(text.includes('PRIVATE KEY'), 'no key in a log');
    t.false(text.includes(newCaKey.trim().split('\n')[1]), "no line of the new CA's key");
    t.false(text.includes(cp.adminToken), 'no admin token in a log');
  }
});
