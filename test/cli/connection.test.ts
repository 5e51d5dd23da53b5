// `otherix login` and the connection settings: flags > env > config file; the file is 0600.
import test from 'ava';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { makeCliHome } from '../harness/cli.js';
import { closedPortUrl } from '../harness/loopback.js';
import { PIN_SPLITTER_REFUSAL, reachedImpostor, requestLines } from '../harness/impostor-server.js';
import { startImpostor, startOwnCaImpostor, startPinSplitter } from '../harness/impostor-server.js';

let cp: ControlPlane;
let admin: OtherixClient;
const tokens: Record<'viewer' | 'operator', string> = { viewer: '', operator: '' };

test.before(async () => {
  cp = await startControlPlane();
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  tokens.viewer = (await admin.apiTokens.create({ name: 'file-viewer', role: 'viewer' })).token;
  tokens.operator = (await admin.apiTokens.create({ name: 'env-operator', role: 'operator' })).token;
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
});

const WRONG_FINGERPRINT = `sha256:${'ab'.repeat(32)}`;

async function loggedInHome(token: string) {
  const home = await makeCliHome();
  const tokenFile = join(home.home, 'token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const login = await home.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint, '--token-path', tokenFile]);
  if (login.exitCode !== 0) throw new Error(`login failed: ${login.stderr}`);
  return { home, login };
}

test('login pins the CA, checks the token and writes the config file 0600', async (t) => {
  const { home, login } = await loggedInHome(tokens.viewer);
  t.teardown(() => home.remove());
  t.regex(login.stdout, /^Logged in to https:\/\/127\.0\.0\.1:\d+ as file-viewer \(role: viewer\)\.$/m);
  t.true(login.stdout.includes(`CA pinned: ${cp.caFingerprint}.`));
  t.false(login.stdout.includes(tokens.viewer), 'the token is never printed');

  const info = await stat(home.configPath);
  t.is(info.mode & 0o777, 0o600);
  t.deepEqual(await readdir(join(home.configHome, 'otherix')), ['config.yaml'], 'no temp file left behind');
  const text = await readFile(home.configPath, 'utf8');
  t.true(text.includes(cp.url));
  t.true(text.includes(cp.caFingerprint));
  t.true(text.includes(tokens.viewer));
  t.true(text.includes('BEGIN CERTIFICATE'));

  // The saved file alone is enough to talk to the CP over the pinned CA.
  const whoami = await home.run(['whoami']);
  t.is(whoami.exitCode, 0, whoami.stderr);
  t.is(whoami.stdout, 'Name: file-viewer\nRole: viewer\n');
});

test('login with a wrong fingerprint is refused and saves nothing', async (t) => {
  const home = await makeCliHome();
  t.teardown(() => home.remove());
  const run = await home.run(['login', '--cp-url', cp.url, '--ca-fingerprint', WRONG_FINGERPRINT, '--token-env', 'MY_TOKEN'], {
    MY_TOKEN: tokens.viewer,
  });
  t.is(run.exitCode, 1);
  t.true(run.stderr.startsWith('error: fingerprint_mismatch: fingerprint mismatch: got '), run.stderr);
  t.true(run.stderr.includes(cp.caFingerprint) && run.stderr.includes(WRONG_FINGERPRINT));
  t.false(run.stderr.includes(tokens.viewer));
  await t.throwsAsync(stat(home.configPath), { code: 'ENOENT' });
});

test('login with a token the CP does not know is refused (unauthenticated) and saves nothing', async (t) => {
  const home = await makeCliHome();
  t.teardown(() => home.remove());
  const bogus = `otx_api_${'A'.repeat(43)}`;
  const run = await home.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint], { OTHERIX_TOKEN: bogus });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: unauthenticated: /);
  t.false(run.stderr.includes(bogus));
  await t.throwsAsync(stat(home.configPath), { code: 'ENOENT' });
});

test('login through a man in the middle with the CP client.crt and a two-certificate ca_pem: refused, the API token never reaches it', async (t) => {
  const home = await makeCliHome();
  const splitter = await startPinSplitter(cp);
  t.teardown(async () => {
    await splitter.close();
    await home.remove();
  });
  const run = await home.run(['login', '--cp-url', splitter.url, '--ca-fingerprint', cp.caFingerprint, '--token-env', 'MY_TOKEN'], {
    MY_TOKEN: cp.adminToken,
  });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, PIN_SPLITTER_REFUSAL);
  t.deepEqual(requestLines(splitter), ['GET /v1/ca']);
  t.false(reachedImpostor(splitter, cp.adminToken), 'the admin token never reached it');
  await t.throwsAsync(stat(home.configPath), { code: 'ENOENT' });
});

test("login to the CP's clientAuth-only client.crt is refused before the token is sent", async (t) => {
  const home = await makeCliHome();
  const impostor = await startImpostor({ serving: cp.clientCertificate, caPemToServe: cp.caPem });
  t.teardown(async () => {
    await impostor.close();
    await home.remove();
  });
  const run = await home.run(['login', '--cp-url', impostor.url, '--ca-fingerprint', cp.caFingerprint], { OTHERIX_TOKEN: cp.adminToken });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: tls_failed: .*no serverAuth extended key usage/);
  t.false(reachedImpostor(impostor, cp.adminToken));
  await t.throwsAsync(stat(home.configPath), { code: 'ENOENT' });
});

test('a saved config whose ca_pem holds a second certificate is refused (invalid_ca), nothing is sent', async (t) => {
  const { home } = await loggedInHome(tokens.viewer);
  const splitter = await startPinSplitter(cp);
  t.teardown(async () => {
    await splitter.close();
    await home.remove();
  });
  // A file planted by an older client that trusted the whole answer: real CA + the attacker's.
  const text = await readFile(home.configPath, 'utf8');
  const bundle = `${cp.caPem.trim()}\n${splitter.attackerCa.certPem.trim()}\n`;
  await writeFile(home.configPath, text.replace(/ca_pem:[\s\S]*$/, `ca_pem: ${JSON.stringify(bundle)}\n`), { mode: 0o600 });
  const run = await home.run(['whoami']);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: invalid_ca: the CA saved in .* holds 2 PEM blocks .*run `otherix login` again/);
});

test('OTHERIX_CONFIG names the config file login writes and commands read', async (t) => {
  const home = await makeCliHome();
  t.teardown(() => home.remove());
  const configPath = join(home.home, 'elsewhere.yaml');
  const env = { OTHERIX_CONFIG: configPath, OTHERIX_TOKEN: tokens.operator };
  const login = await home.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint], env);
  t.is(login.exitCode, 0, login.stderr);
  t.is((await stat(configPath)).mode & 0o777, 0o600);
  await t.throwsAsync(stat(home.configPath), { code: 'ENOENT' });
  const whoami = await home.run(['whoami'], { OTHERIX_CONFIG: configPath });
  t.is(whoami.stdout, 'Name: env-operator\nRole: operator\n');
});

test('token: a flag beats the environment, which beats the config file', async (t) => {
  const { home } = await loggedInHome(tokens.viewer);
  t.teardown(() => home.remove());
  t.is((await home.run(['whoami'])).stdout, 'Name: file-viewer\nRole: viewer\n');
  t.is((await home.run(['whoami'], { OTHERIX_TOKEN: tokens.operator })).stdout, 'Name: env-operator\nRole: operator\n');
  const flag = await home.run(['whoami', '--token-env', 'ADMIN_TOKEN'], { OTHERIX_TOKEN: tokens.operator, ADMIN_TOKEN: cp.adminToken });
  t.is(flag.exitCode, 0, flag.stderr);
  t.regex(flag.stdout, /^Name: .+\nRole: admin\n$/);
});

test('control-plane URL: a flag beats the environment, which beats the config file', async (t) => {
  const { home } = await loggedInHome(tokens.viewer);
  t.teardown(() => home.remove());
  // Nothing listens at the env URL: the refusal names it, so the env value is the one used. The
  // token comes from the environment too: the file's token goes only to the file's URL.
  const closed = await closedPortUrl();
  const envWins = await home.run(['whoami'], { OTHERIX_CP_URL: closed, OTHERIX_TOKEN: tokens.operator });
  t.is(envWins.exitCode, 1);
  t.true(envWins.stderr.startsWith(`error: unreachable: cannot reach the control plane at ${closed}`), envWins.stderr);
  const flagWins = await home.run(['whoami', '--cp-url', cp.url], { OTHERIX_CP_URL: closed });
  t.is(flagWins.exitCode, 0, flagWins.stderr);
  t.is(flagWins.stdout, 'Name: file-viewer\nRole: viewer\n', "a flag naming the file's own URL keeps the file's token");
});

test('CA fingerprint: the environment beats the pin in the file, a flag beats the environment', async (t) => {
  const { home } = await loggedInHome(tokens.viewer);
  t.teardown(() => home.remove());
  const envWins = await home.run(['whoami'], { OTHERIX_CA_FINGERPRINT: WRONG_FINGERPRINT, OTHERIX_TOKEN: tokens.operator });
  t.is(envWins.exitCode, 1);
  t.regex(envWins.stderr, /^error: fingerprint_mismatch: /);
  const flagWins = await home.run(['whoami', '--ca-fingerprint', cp.caFingerprint], { OTHERIX_CA_FINGERPRINT: WRONG_FINGERPRINT });
  t.is(flagWins.exitCode, 0, flagWins.stderr);
});

test("the config file's token never reaches another control plane named by a flag or the environment", async (t) => {
  // Cluster A is the file's (logged in with A's viewer token); cluster B is a second real CP.
  const { home } = await loggedInHome(tokens.viewer);
  const other = await startControlPlane({ captureLogs: 'debug' });
  const impostor = await startOwnCaImpostor('another cluster');
  t.teardown(async () => {
    await impostor.close();
    await other.close();
    await home.remove();
  });
  const savedConfig = await readFile(home.configPath, 'utf8');
  const refusedRuns: Array<[string, string[], Record<string, string>, RegExp]> = [
    [
      '--cp-url and --ca-fingerprint of B',
      ['whoami', '--cp-url', other.url, '--ca-fingerprint', other.caFingerprint],
      {},
      /but the control-plane URL https:\/\/\S+ comes from --cp-url: nothing was sent/,
    ],
    [
      'OTHERIX_CP_URL and OTHERIX_CA_FINGERPRINT of B',
      ['node', 'list'],
      { OTHERIX_CP_URL: other.url, OTHERIX_CA_FINGERPRINT: other.caFingerprint },
      /comes from OTHERIX_CP_URL: nothing was sent/,
    ],
    [
      "B's fingerprint with the file's URL",
      ['whoami', '--ca-fingerprint', other.caFingerprint],
      {},
      /the CA fingerprint sha256:[0-9a-f]{64} from --ca-fingerprint is not the CA saved with it/,
    ],
    [
      'login to B without a token',
      ['login', '--cp-url', other.url, '--ca-fingerprint', other.caFingerprint],
      {},
      /comes from --cp-url: nothing was sent/,
    ],
    [
      'an impostor by the environment',
      ['whoami'],
      { OTHERIX_CP_URL: impostor.url, OTHERIX_CA_FINGERPRINT: impostor.ownCa.fingerprint },
      /comes from OTHERIX_CP_URL/,
    ],
  ];
  for (const [what, args, env, why] of refusedRuns) {
    const run = await home.run(args, env);
    t.is(run.exitCode, 2, `${what}: ${run.stderr}`);
    t.regex(
      run.stderr,
      new RegExp(
        `^error: usage: the API token in ${home.configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was saved by \`otherix login\` for ${cp.url.replace(/\./g, '\\.')} and is sent only there`,
      ),
      what,
    );
    t.regex(run.stderr, why, what);
    t.regex(
      run.stderr,
      /log in to it \(`otherix login --cp-url \S+ --ca-fingerprint FP --token-path FILE`.*or give its token with --token-env NAME/,
      what,
    );
    t.is(run.stderr.trim().split('\n').length, 1, what);
    t.false(run.stderr.includes(tokens.viewer), what);
  }
  t.is(await readFile(home.configPath, 'utf8'), savedConfig, 'the refused login saved nothing');
  t.deepEqual(impostor.requests, [], 'not even the CA was fetched from the impostor');
  t.false(reachedImpostor(impostor, tokens.viewer));
  const requestsTo = (cp: ControlPlane) =>
    cp.logs
      .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string } })
      .filter((record) => record.msg === 'incoming request');
  t.deepEqual(requestsTo(other), [], 'no request of the refused runs reached B');

  // With B's own token from the environment, B is used, and its log shows what the refusals never sent.
  const withOwnToken = await home.run(
    ['whoami', '--cp-url', other.url, '--ca-fingerprint', other.caFingerprint, '--token-env', 'B_TOKEN'],
    { B_TOKEN: other.adminToken },
  );
  t.is(withOwnToken.exitCode, 0, withOwnToken.stderr);
  t.is(withOwnToken.stdout, 'Name: admin\nRole: admin\n');
  t.true(
    requestsTo(other).some((record) => record.req?.url === '/v1/whoami'),
    other.logs.join('\n'),
  );
  // And the file still works for A.
  t.is((await home.run(['whoami'])).stdout, 'Name: file-viewer\nRole: viewer\n');
});

test('without a config file, the environment alone connects (the CA is pinned by fingerprint)', async (t) => {
  const home = await makeCliHome();
  t.teardown(() => home.remove());
  const run = await home.run(['whoami', '--output', 'json'], {
    OTHERIX_CP_URL: cp.url,
    OTHERIX_CA_FINGERPRINT: cp.caFingerprint,
    OTHERIX_TOKEN: tokens.operator,
  });
  t.is(run.exitCode, 0, run.stderr);
  t.deepEqual(JSON.parse(run.stdout), { name: 'env-operator', role: 'operator' });
});

test('an unreachable control plane is exit 1 with a one-line error naming the URL', async (t) => {
  const home = await makeCliHome();
  t.teardown(() => home.remove());
  const closed = await closedPortUrl();
  const run = await home.run(['node', 'join-token', 'list'], {
    OTHERIX_CP_URL: closed,
    OTHERIX_CA_FINGERPRINT: cp.caFingerprint,
    OTHERIX_TOKEN: cp.adminToken,
  });
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: unreachable: [^\n]+\n$/);
  t.true(run.stderr.includes(closed), run.stderr);
  t.false(run.stderr.includes(cp.adminToken));
});

test('two token sources at once are a usage error (exit 2) naming both', async (t) => {
  const home = await makeCliHome();
  t.teardown(() => home.remove());
  const run = await home.run(['whoami', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint, '--token', 'x', '--token-env', 'Y']);
  t.is(run.exitCode, 2);
  t.regex(run.stderr, /^error: usage: .*--token.*--token-env/);
});

test('--token works but warns that the token shows in the process list; a loose token file warns too', async (t) => {
  const home = await makeCliHome();
  t.teardown(() => home.remove());
  const env = { OTHERIX_CP_URL: cp.url, OTHERIX_CA_FINGERPRINT: cp.caFingerprint };
  const literal = await home.run(['whoami', '--token', tokens.operator], env);
  t.is(literal.exitCode, 0, literal.stderr);
  t.is(literal.stdout, 'Name: env-operator\nRole: operator\n');
  t.regex(
    literal.stderr,
    /^warning: --token puts the API token in the process list, visible to every local user; prefer --token-path FILE or --token-env NAME\n$/,
  );

  const loose = join(home.home, 'loose-token');
  await writeFile(loose, tokens.operator, { mode: 0o644 });
  const fromFile = await home.run(['whoami', '--token-path', loose], env);
  t.is(fromFile.exitCode, 0, fromFile.stderr);
  t.regex(fromFile.stderr, /^warning: the token file .*loose-token is readable by group or others \(mode 0644\): chmod 600 it\n$/);
  t.false(fromFile.stderr.includes(tokens.operator));
});
