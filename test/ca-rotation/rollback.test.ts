// Rolling a CA rotation back from each phase before completion (issue 19), with agents running:
// from init straight to standby; from update_clients and update_servers through the phase
// `rollback` (nodes renew back to the old CA), then `next` to standby. Nothing breaks: no heartbeat
// or renewal fails, the CP reaches every agent with a client certificate of the old CA, the
// agents' ca.crt and certificates are the old CA's alone, the new CA's files are gone, and the
// admin's CLI works on.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaRotation } from '@otherix/sdk';
import { api } from '../harness/control-plane.js';
import { eventually } from '../harness/loopback.js';
import { caFilesSettled, cpReachesEveryAgent, isFailure, moveWhenCaughtUp, rotationCli, rotationStatus, startFleet } from './fleet.js';

const PATHS: Record<string, CaRotation['phase'][]> = {
  init: ['init'],
  update_clients: ['init', 'update_clients'],
  update_servers: ['init', 'update_clients', 'update_servers'],
};

for (const [from, phases] of Object.entries(PATHS)) {
  test(`a rollback from ${from} returns every party to the old CA with nothing broken`, async (t) => {
    t.timeout(240_000);
    const fleet = await startFleet(t, [`rb-${from.replace('_', '-')}-1`, `rb-${from.replace('_', '-')}-2`]);
    const { cp, cli, nodes } = fleet;
    const oldFingerprint = cp.caFingerprint;
    for (const phase of phases) {
      t.is((await moveWhenCaughtUp(fleet)).phase, phase);
      if (phase === 'update_clients')
        await eventually(
          () => rotationStatus(fleet),
          (s) => s.nodes.leaf_from_new_ca === nodes.length,
          60_000,
          200,
        );
    }

    const rolled = await rotationCli(cli, ['rollback']);
    if (from === 'init') t.is(rolled.phase, 'standby', 'from init there is nothing to wait for');
    else {
      t.is(rolled.phase, 'rollback');
      t.is(rolled.serving_ca_fingerprint, oldFingerprint);
      t.is((await moveWhenCaughtUp(fleet)).phase, 'standby');
    }
    const after = await rotationCli(cli, ['status']);
    t.is(after.ca_fingerprint, oldFingerprint);
    t.is(after.new_ca_fingerprint, null);

    t.deepEqual(
      await caFilesSettled(nodes),
      nodes.map(() => oldFingerprint),
    );
    const oldCa = new X509Certificate(cp.caPem);
    for (const node of nodes) {
      t.true(
        new X509Certificate(await readFile(join(node.certDir, 'agent.crt'), 'utf8')).checkIssued(oldCa),
        `${node.name} holds an old-CA leaf`,
      );
    }
    t.true(new X509Certificate(await readFile(join(cp.dataDir, 'client.crt'), 'utf8')).checkIssued(oldCa));
    t.true(new X509Certificate(await readFile(join(cp.dataDir, 'server.crt'), 'utf8')).checkIssued(oldCa));
    t.deepEqual(
      await cpReachesEveryAgent(fleet, cp.caPem),
      nodes.map(() => 200),
    );
    await t.throwsAsync(stat(join(cp.dataDir, 'ca-next.key')), { code: 'ENOENT' });
    await t.throwsAsync(stat(join(cp.dataDir, 'ca-next.crt')), { code: 'ENOENT' });
    t.is((await api(cp, 'GET', '/v1/ca')).body.fingerprint, oldFingerprint);
    const whoami = await cli.run(['whoami']);
    t.is(whoami.exitCode, 0, whoami.stderr);
    for (const node of nodes) t.deepEqual(node.serve.records.filter(isFailure), [], `${node.name}: no heartbeat or renewal failed`);
  });
}
