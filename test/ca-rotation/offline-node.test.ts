// Nodes that were away during a CA rotation (issue 19 item 4), with the real binaries. One agent
// stopped before init and started after completion trusts only the retired CA: its heartbeats fail
// the TLS handshake, and the agent logs ca_retired saying to re-bootstrap with a bound token; the
// CP logs which node it was (the agent's one look at /v1/ca presents its certificate). One agent
// that learned the new CA in init and went away before it renewed gets 401 ca_retired from the CP,
// which says the same; `otherix-agent renew` on either host says what serve says. A node that
// heartbeats through the rotation is not disturbed, and the away ones never held a phase back
// (they do not heartbeat).
import test from 'ava';
import { runAgent, startServe } from '../harness/agent.js';
import { eventually } from '../harness/loopback.js';
import { caFileFingerprints, isFailure, moveWhenCaughtUp, rotationStatus, startFleet } from './fleet.js';

test('agents that missed the rotation are refused afterwards with ca_retired, in the agent log and the CP log, saying to re-bootstrap with a bound token', async (t) => {
  t.timeout(240_000);
  const fleet = await startFleet(t, ['stays', 'away-all', 'away-half']);
  const [stays, awayAll, awayHalf] = fleet.nodes as [(typeof fleet.nodes)[0], (typeof fleet.nodes)[0], (typeof fleet.nodes)[0]];
  await awayAll.serve.stop();

  t.is((await moveWhenCaughtUp(fleet, ['next'], 2)).phase, 'init');
  await eventually(
    () => caFileFingerprints(awayHalf),
    (blocks) => blocks === 4,
    30_000,
    100,
  );
  await awayHalf.serve.stop();
  t.is((await moveWhenCaughtUp(fleet, ['next'], 1)).phase, 'update_clients');
  t.is((await moveWhenCaughtUp(fleet, ['next'], 1)).phase, 'update_servers');
  const done = await moveWhenCaughtUp(fleet, ['next'], 1);
  t.is(done.phase, 'standby');
  t.is((await rotationStatus(fleet)).lagging.length, 0);

  // Away during the whole rotation, renewed by hand (`otherix-agent renew`, the way for a host
  // whose serve is stopped): the same refusal and advice as serve's, not "check the URL".
  const renewedAll = await runAgent(['renew', '--config', awayAll.configPath, '--force']);
  t.is(renewedAll.exitCode, 1, renewedAll.stderr);
  t.regex(
    renewedAll.stderr,
    /^error: ca_retired: the control plane presents a certificate of CA sha256:[0-9a-f]{64}, which this node does not trust .*: this node missed a CA rotation while it was away; mint a join token bound to it \(`otherix node join-token create --node-name away-all`.*`otherix-agent bootstrap --force`.*; nothing was renewed\n$/,
  );
  const renewedHalf = await runAgent(['renew', '--config', awayHalf.configPath, '--force']);
  t.is(renewedHalf.exitCode, 1, renewedHalf.stderr);
  t.regex(
    renewedHalf.stderr,
    /^error: ca_retired: the certificate of node away-half was signed by the cluster CA .*otherix-agent bootstrap --force/,
  );

  // Away during the whole rotation: the CP's certificate is from a CA this node never trusted.
  awayAll.serve = startServe(['serve', '--config', awayAll.configPath, '--poll-interval', '100ms']);
  t.teardown(() => awayAll.serve.stop().then(() => undefined));
  const refusedAll = await awayAll.serve.waitForLog((r) => r['code'] === 'ca_retired', 60_000);
  t.is(refusedAll.level, 'warn');
  t.regex(
    refusedAll.msg,
    /^heartbeat failed: the control plane presents a certificate of CA sha256:[0-9a-f]{64}, which this node does not trust .*, and it says a CA rotation retired sha256:[0-9a-f]{64}: this node missed a CA rotation while it was away; mint a join token bound to it \(`otherix node join-token create --node-name away-all`.*`otherix-agent bootstrap --force`/,
  );
  const cpLog = await eventually(
    async () => fleet.cp.output().stdout,
    (out) => out.includes('node away-all presented a certificate of the cluster CA'),
  );
  t.regex(cpLog, /"code":"ca_retired".*"node_name":"away-all".*must re-bootstrap with a join token bound to it/);

  // Away after learning the new CA: TLS works, the CP refuses the old leaf.
  awayHalf.serve = startServe(['serve', '--config', awayHalf.configPath, '--poll-interval', '100ms']);
  t.teardown(() => awayHalf.serve.stop().then(() => undefined));
  const refusedHalf = await awayHalf.serve.waitForLog((r) => r['code'] === 'ca_retired', 60_000);
  t.regex(
    refusedHalf.msg,
    /^heartbeat failed: the certificate of node away-half was signed by the cluster CA sha256:[0-9a-f]{64}, which a CA rotation retired .*otherix node join-token create --node-name away-half.*otherix-agent bootstrap --force/,
  );
  t.regex(fleet.cp.output().stdout, /"code":"ca_retired".*"node_name":"away-half"/);

  t.deepEqual(stays.serve.records.filter(isFailure), [], 'the node that stayed never failed a beat');
});
