// Pins during a CA rotation (issue 19 item 3), with the real otherix-agent bootstrap. A bootstrap
// pinned to the CA the CP serves from works, and the pin covers every CA it then trusts: ca.crt
// holds the other CA only with the pinned CA's cross-certificate vouching for it. A bootstrap
// pinned to the other trusted CA, or to the CA a completed rotation retired, fails with
// fingerprint_mismatch saying the CA is rotating (or was rotated) and where the fingerprint to
// pin comes from; its token stays unused.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTrustBundle } from '@otherix/sdk/pki';
import { bootstrapArgs, makeNodeHost, runAgent } from '../harness/agent.js';
import { mintWithCli, moveWhenCaughtUp, rotationCli, startFleet } from './fleet.js';

const ROTATING =
  /^error: fingerprint_mismatch: fingerprint mismatch: got sha256:[0-9a-f]{64}, expected sha256:[0-9a-f]{64}: the cluster CA is rotating \(phase (init|update_clients|update_servers), says the server\): the pinned CA is trusted, but the control plane serves certificates of the other CA now; take the fingerprint `otherix node join-token create` prints now/m;

test('a bootstrap pinned to either CA during a rotation works while the CP serves from it, else says the CA is rotating; after completion the old pin says it was rotated', async (t) => {
  t.timeout(240_000);
  const fleet = await startFleet(t, []);
  const { cp, cli } = fleet;
  const oldFingerprint = cp.caFingerprint;

  const join_ = async (name: string, fingerprint: string, token: string) => {
    const host = await makeNodeHost();
    t.teardown(() => host.remove());
    const run = await runAgent(
      [
        ...bootstrapArgs({ cpUrl: cp.url, caFingerprint: fingerprint, nodeName: name, certDir: host.certDir, configPath: host.configPath }),
        '--token-env',
        'T',
      ],
      { env: { T: token } },
    );
    return { ...run, host };
  };

  const init = await rotationCli(cli, ['next']);
  const newFingerprint = init.new_ca_fingerprint!;

  // init: the old CA serves; a pin of it works and covers the new CA through its cross-certificate.
  const inInit = await mintWithCli(cli, 'pin-old-init');
  const joinedOld = await join_('pin-old-init', oldFingerprint, inInit.token);
  t.is(joinedOld.exitCode, 0, joinedOld.stderr);
  const saved = await readFile(join(joinedOld.host.certDir, 'ca.crt'), 'utf8');
  const bundle = readTrustBundle(saved, 'ca.crt', { anchor: oldFingerprint });
  t.deepEqual(bundle.fingerprints, [oldFingerprint, newFingerprint]);
  // Without the pinned CA's cross-certificate, the second CA is not covered: the file is refused.
  const blocks = saved.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
  t.throws(() => readTrustBundle(blocks.slice(0, 2).join(''), 'ca.crt'), { code: 'invalid_ca' });

  // init: a pin of the new CA (from `otherix ca rotation status`) is refused with the rotating message.
  const pinNew = await mintWithCli(cli, 'pin-new-init');
  const refusedNew = await join_('pin-new-init', newFingerprint, pinNew.token);
  t.is(refusedNew.exitCode, 1);
  t.regex(refusedNew.stderr, ROTATING);

  // update_servers: the new CA serves; a pin of the old one is refused the same way, the new one works.
  t.is((await moveWhenCaughtUp(fleet)).phase, 'update_clients');
  t.is((await moveWhenCaughtUp(fleet)).phase, 'update_servers');
  const pinOld = await mintWithCli(cli, 'pin-old-servers');
  t.is(pinOld.fingerprint, newFingerprint);
  const refusedOld = await join_('pin-old-servers', oldFingerprint, pinOld.token);
  t.is(refusedOld.exitCode, 1);
  t.regex(refusedOld.stderr, ROTATING);
  const joinedNew = await join_('pin-old-servers', newFingerprint, pinOld.token);
  t.is(joinedNew.exitCode, 0, 'the refused bootstrap left the token unused');

  // complete: the old pin is told the CA was rotated.
  t.is((await moveWhenCaughtUp(fleet)).phase, 'standby');
  const late = await mintWithCli(cli, 'pin-old-after');
  const refusedLate = await join_('pin-old-after', oldFingerprint, late.token);
  t.is(refusedLate.exitCode, 1);
  t.regex(
    refusedLate.stderr,
    /fingerprint_mismatch: .*the cluster CA was rotated \(says the server\): the pinned CA is retired; take the fingerprint `otherix node join-token create` prints now/,
  );
});
