// The CLI with several CP URLs (issue 18 item 5): `otherix login --cp-url A,B` saves the list,
// every command moves on to the next URL when one is dead, OTHERIX_CP_URL takes a list too, a bad
// or repeated URL is a usage error naming it, and the config file's token still goes only to the
// URLs it was saved for (a flag may name some of them, never another).
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { controlPlaneForTest } from '../harness/cluster.js';
import { startControlPlane } from '../harness/control-plane.js';
import { makeCliHome, tableHeader } from '../harness/cli.js';
import { closedPortUrl, startResettingServer } from '../harness/loopback.js';
import { startRelayProxy } from '../harness/proxies.js';

test('login with two URLs saves both; with the first replica dead, `otherix node list` works through the second', async (t) => {
  const { cp, admin } = await controlPlaneForTest(t);
  const [first, second] = [await startRelayProxy(cp), await startRelayProxy(cp)];
  const home = await makeCliHome();
  t.teardown(async () => {
    await home.remove();
    await first.close();
    await second.close();
  });
  await admin.joinTokens.create({ node_name: 'listed', ttl_seconds: 600 });
  const tokenFile = join(home.home, 'token');
  await writeFile(tokenFile, `${cp.adminToken}\n`, { mode: 0o600 });
  const both = `${first.url},${second.url}`;
  const login = await home.run([
    'login',
    '--cp-url',
    `${first.url}/, ${second.url}`,
    '--ca-fingerprint',
    cp.caFingerprint,
    '--token-path',
    tokenFile,
  ]);
  t.is(login.exitCode, 0, login.stderr);
  t.true(login.stdout.startsWith(`Logged in to ${both} as admin (role: admin).`), login.stdout);
  t.regex(await readFile(home.configPath, 'utf8'), new RegExp(`^cp_url: ${both.replace(/[.]/g, '\\.')}$`, 'm'));

  await first.close();
  const list = await home.run(['node', 'list']);
  t.is(list.exitCode, 0, list.stderr);
  t.deepEqual(tableHeader(list.stdout).slice(0, 2), ['NAME', 'STATUS']);
  t.true(second.connections() >= 1);

  // A flag naming one of the saved URLs keeps the file's token; one naming another URL does not.
  const subset = await home.run(['whoami', '--cp-url', second.url]);
  t.is(subset.exitCode, 0, subset.stderr);
  const closed = await closedPortUrl();
  const outside = await home.run(['whoami', '--cp-url', `${second.url},${closed}`]);
  t.is(outside.exitCode, 2, outside.stderr);
  t.regex(
    outside.stderr,
    new RegExp(
      `^error: usage: the API token in \\S+ was saved by \`otherix login\` for ${both.replace(/[.]/g, '\\.')} and is sent only there`,
    ),
  );
});

test('OTHERIX_CP_URL takes a list: the dead first URL is passed over for the pin and the calls', async (t) => {
  const cp = await startControlPlane();
  const home = await makeCliHome();
  const dead = await startResettingServer();
  t.teardown(async () => {
    await home.remove();
    await dead.close();
    await cp.close();
  });
  const env = { OTHERIX_CP_URL: `${dead.url},${cp.url}`, OTHERIX_CA_FINGERPRINT: cp.caFingerprint, OTHERIX_TOKEN: cp.adminToken };
  const whoami = await home.run(['whoami'], env);
  t.is(whoami.exitCode, 0, whoami.stderr);
  t.is(whoami.stdout, 'Name: admin\nRole: admin\n');
});

test('a bad or repeated URL in the list is a usage error naming it, before anything is sent', async (t) => {
  const home = await makeCliHome();
  t.teardown(() => home.remove());
  const fingerprint = `sha256:${'ab'.repeat(32)}`;
  const token = `otx_api_${'A'.repeat(43)}`;
  const bad = await home.run(['whoami'], {
    OTHERIX_CP_URL: 'https://cp-a:8443,http://cp-b:8443',
    OTHERIX_CA_FINGERPRINT: fingerprint,
    OTHERIX_TOKEN: token,
  });
  t.is(bad.exitCode, 2, bad.stderr);
  t.is(
    bad.stderr,
    'error: usage: OTHERIX_CP_URL (URL 2 of 2) http://cp-b:8443 must be an https:// URL: every Otherix connection must use https:// (TLS)\n',
  );
  const twice = await home.run(['login', '--cp-url', 'https://cp-a:8443,https://CP-A:8443', '--ca-fingerprint', fingerprint], {
    OTHERIX_TOKEN: token,
  });
  t.is(twice.exitCode, 2, twice.stderr);
  t.regex(
    twice.stderr,
    /^error: usage: --cp-url \(URL 2 of 2\) https:\/\/CP-A:8443 repeats URL 1 \(https:\/\/cp-a:8443\): list each control-plane replica once/,
  );
});
