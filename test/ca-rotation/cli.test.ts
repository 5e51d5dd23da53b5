// The CLI through a CA rotation (issue 19), the real binaries. CLIs that logged in before the
// rotation work after it without a new login: the admin's, which drives it (each command saves the
// new bundle over its trusted connection), and ones that ran nothing meanwhile: one first used in
// update_servers (the rotation's bundle, anchored at its pin), one first used after completion (the
// retired CA's cross-certificate of the new CA, checked against its pin). One away during two
// rotations is told to log in again (its pin vouches for nothing the CP serves). `otherix ca rotation
// status` shows the phase and the progress as text.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { makeCliHome } from '../harness/cli.js';
import { moveWhenCaughtUp, startFleet } from './fleet.js';

test('CLIs logged in before the rotation work after it without a new login, also ones not run during it', async (t) => {
  t.timeout(180_000);
  const fleet = await startFleet(t, []);
  const { cp, cli } = fleet;
  const login = async () => {
    const home = await makeCliHome();
    t.teardown(() => home.remove());
    const run = await home.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint, '--token-env', 'T'], {
      T: cp.adminToken,
    });
    t.is(run.exitCode, 0, run.stderr);
    return home;
  };
  const dormantToServers = await login();
  const dormantToEnd = await login();

  const text = await cli.run(['ca', 'rotation', 'status']);
  t.is(text.exitCode, 0, text.stderr);
  t.regex(text.stdout, /^Phase: standby\nCA: sha256:[0-9a-f]{64}\nNew CA: -\n/);

  for (const phase of ['init', 'update_clients', 'update_servers'] as const) t.is((await moveWhenCaughtUp(fleet)).phase, phase);
  const shown = await cli.run(['ca', 'rotation', 'status']);
  t.regex(
    shown.stdout,
    /^Phase: update_servers \(since \d{4}-\d\d-\d\dT[\d:.]+Z\)\nCA: sha256:[0-9a-f]{64}\nNew CA: (sha256:[0-9a-f]{64})\nServing CA \(what bootstraps pin now\): \1\nNodes heartbeating: 0; /,
  );
  const newFingerprint = /New CA: (sha256:[0-9a-f]{64})/.exec(shown.stdout)![1];

  const midway = await dormantToServers.run(['whoami']);
  t.is(midway.exitCode, 0, midway.stderr);
  t.regex(midway.stderr, new RegExp(`the cluster CA was rotated: saved CA ${newFingerprint} \\(vouched for by the CA you pinned\\)`));
  t.regex(
    await readFile(dormantToServers.configPath, 'utf8'),
    new RegExp(`ca_fingerprint: "?${cp.caFingerprint}`),
    'still pinned to its CA while it is trusted',
  );

  t.is((await moveWhenCaughtUp(fleet)).phase, 'standby');
  for (const home of [cli, dormantToServers, dormantToEnd]) {
    const whoami = await home.run(['whoami']);
    t.is(whoami.exitCode, 0, whoami.stderr);
    t.regex(whoami.stdout, /^Name: admin\nRole: admin/);
    t.regex(await readFile(home.configPath, 'utf8'), new RegExp(`ca_fingerprint: "?${newFingerprint}`));
  }
});

test('a CLI away during two rotations is told its pin no longer vouches for the CP and to log in again, saving nothing', async (t) => {
  t.timeout(180_000);
  const fleet = await startFleet(t, []);
  const { cp, cli } = fleet;
  const dormant = await makeCliHome();
  t.teardown(() => dormant.remove());
  const login = await dormant.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint, '--token-env', 'T'], {
    T: cp.adminToken,
  });
  t.is(login.exitCode, 0, login.stderr);
  const before = await readFile(dormant.configPath, 'utf8');

  for (let rotation = 0; rotation < 2; rotation++)
    for (const phase of ['init', 'update_clients', 'update_servers', 'standby'] as const)
      t.is((await moveWhenCaughtUp(fleet)).phase, phase);
  const served = /^CA: (sha256:[0-9a-f]{64})$/m.exec((await cli.run(['ca', 'rotation', 'status'])).stdout)![1];

  const refused = await dormant.run(['whoami']);
  t.is(refused.exitCode, 1);
  t.is(
    refused.stderr,
    `error: tls_failed: the control plane at ${cp.url} serves CA ${served}, which the CA this CLI pinned (${cp.caFingerprint}) does not vouch for: ` +
      'the cluster CA was rotated more than once since this CLI last ran a command, or something is in the middle; ' +
      'take the fingerprint from the CP host (`otherix-server ca-fingerprint`) or an admin and run `otherix login` again. Nothing was saved\n',
  );
  t.is(await readFile(dormant.configPath, 'utf8'), before, 'the config is as it was');

  // What it says to do works.
  const again = await dormant.run(['login', '--cp-url', cp.url, '--ca-fingerprint', served, '--token-env', 'T'], { T: cp.adminToken });
  t.is(again.exitCode, 0, again.stderr);
  t.is((await dormant.run(['whoami'])).exitCode, 0);
});
