// otherix-server resolves its settings through the SDK's layered config: flags over
// OTHERIX_SERVER__* environment over defaults (the real binary); and its start line says what to
// do next without ever printing the admin token.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, runServerBinary, spawnControlPlane } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';
import { eventually } from '../harness/loopback.js';

async function guesses(cp: SpawnedControlPlane, count: number): Promise<number[]> {
  const { csrPem } = await nodeCsr('guesser');
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    statuses.push(
      (await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(`otx_join_${String(i).padStart(43, 'q')}`, `guess-${i}`, csrPem) }))
        .status,
    );
  }
  return statuses;
}

test('every setting can come from OTHERIX_SERVER__* (data dir, listen, log level, guess limit, advertised hosts)', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-server-env-'));
  const cp = await spawnControlPlane({
    dataDir,
    settingsFromEnv: true,
    env: {
      OTHERIX_SERVER__LOG_LEVEL: 'warn',
      OTHERIX_SERVER__JOIN_GUESS_LIMIT: '2',
      OTHERIX_SERVER__ADVERTISE_HOSTS: 'cp-a.otherix.test, cp-b.otherix.test,10.77.0.9',
    },
  });
  try {
    t.regex(cp.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    t.is((await readFile(join(dataDir, 'admin.token'), 'utf8')).trim(), cp.adminToken);
    const sans = new X509Certificate(await readFile(join(dataDir, 'server.crt'))).subjectAltName ?? '';
    for (const name of ['DNS:cp-a.otherix.test', 'DNS:cp-b.otherix.test', 'IP Address:10.77.0.9']) t.true(sans.includes(name), sans);
    t.deepEqual(await guesses(cp, 3), [401, 401, 429]);
    // warn: the info-level "ready" line is not logged.
    t.false(cp.output().stdout.includes('otherix control plane ready'), cp.output().stdout);
  } finally {
    await cp.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('flags win over the environment; defaults apply when neither is given', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-server-flags-'));
  const elsewhere = await mkdtemp(join(tmpdir(), 'otherix-server-unused-'));
  const cp = await spawnControlPlane({
    dataDir,
    args: ['--join-guess-limit', '4', '--log-level', 'info'],
    env: {
      // The helper passes --data-dir and --listen: these lose.
      OTHERIX_SERVER__DATA_DIR: elsewhere,
      OTHERIX_SERVER__LISTEN: 'not-an-address',
      OTHERIX_SERVER__JOIN_GUESS_LIMIT: '1',
      OTHERIX_SERVER__LOG_LEVEL: 'silent',
    },
  });
  try {
    t.deepEqual(await guesses(cp, 5), [401, 401, 401, 401, 429]);
    // stdout is another pipe than the listening line's: read until the info line is there.
    await eventually(
      async () => cp.output().stdout,
      (stdout) => stdout.includes('otherix control plane ready'),
    );
    t.true(cp.output().stdout.includes('otherix control plane ready'));
    t.is((await readFile(join(dataDir, 'admin.token'), 'utf8')).trim(), cp.adminToken);
    await t.throwsAsync(readFile(join(elsewhere, 'admin.token')), { code: 'ENOENT' });
  } finally {
    await cp.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  }
  // No flag and no variable: the default guess limit (10).
  const defaults = await spawnControlPlane();
  try {
    const statuses = await guesses(defaults, 11);
    t.deepEqual(statuses, [...Array(10).fill(401), 429]);
  } finally {
    await defaults.stop();
    await rm(defaults.dataDir, { recursive: true, force: true });
  }
});

test('a bad OTHERIX_SERVER__* value is a usage error naming the variable', async (t) => {
  for (const [name, value, expected] of [
    ['OTHERIX_SERVER__JOIN_GUESS_LIMIT', 'lots', /OTHERIX_SERVER__JOIN_GUESS_LIMIT=lots: not an integer/],
    ['OTHERIX_SERVER__JOIN_GUESS_LIMIT', '0', /OTHERIX_SERVER__JOIN_GUESS_LIMIT 0: expected a whole number >= 1/],
    ['OTHERIX_SERVER__LOG_LEVEL', 'loud', /OTHERIX_SERVER__LOG_LEVEL loud: expected one of/],
    ['OTHERIX_SERVER__LISTEN', 'everywhere', /OTHERIX_SERVER__LISTEN everywhere: expected HOST:PORT/],
    ['OTHERIX_SERVER__MAX_CONNECTIONS', 'many', /OTHERIX_SERVER__MAX_CONNECTIONS=many: not an integer/],
    ['OTHERIX_SERVER__MAX_CONNECTIONS', '0', /OTHERIX_SERVER__MAX_CONNECTIONS 0: expected a whole number >= 1/],
    ['OTHERIX_SERVER__MAX_UNAUTHENTICATED_PER_SOURCE', 'some', /OTHERIX_SERVER__MAX_UNAUTHENTICATED_PER_SOURCE=some: not an integer/],
    [
      'OTHERIX_SERVER__MAX_UNAUTHENTICATED_PER_SOURCE',
      '0',
      /OTHERIX_SERVER__MAX_UNAUTHENTICATED_PER_SOURCE 0: expected a whole number >= 1/,
    ],
  ] as const) {
    const run = await runServerBinary(['serve'], { [name]: value });
    t.is(run.code, 2, run.stderr);
    t.regex(run.stderr, expected);
  }
  const flag = await runServerBinary(['serve', '--max-connections', '-5']);
  t.is(flag.code, 2, flag.stderr);
  // ca-fingerprint reads the data dir from the environment too.
  const cp = await spawnControlPlane();
  try {
    const run = await runServerBinary(['ca-fingerprint'], { OTHERIX_SERVER__DATA_DIR: cp.dataDir });
    t.is(run.code, 0, run.stderr);
    t.is(run.stdout.trim(), cp.caFingerprint);
  } finally {
    await cp.stop();
    await rm(cp.dataDir, { recursive: true, force: true });
  }
});

test('the start line says what to do next (login with the token file, then mint a join token), never the token', async (t) => {
  const cp = await spawnControlPlane();
  try {
    // The helper returns on the listening line; the next line is a separate write that a loaded
    // machine may deliver a moment later: read until it is there.
    const { stderr, stdout } = await eventually(
      async () => cp.output(),
      (output) => /^next: .*\n/m.test(output.stderr),
    );
    const tokenFile = join(cp.dataDir, 'admin.token');
    t.true(
      stderr.includes(
        `next: otherix login --cp-url ${cp.url} --ca-fingerprint ${cp.caFingerprint} --token-path ${tokenFile}, then otherix node join-token create --node-name <name>`,
      ),
      stderr,
    );
    t.false(stderr.includes(cp.adminToken));
    t.false(stdout.includes(cp.adminToken));
  } finally {
    await cp.stop();
    await rm(cp.dataDir, { recursive: true, force: true });
  }
});

test("otherix-server --help ends with examples as the CLI's help does, one per command, using only its flags", async (t) => {
  const help = await runServerBinary(['--help']);
  t.is(help.code, 0, help.stderr);
  const examples = help.stdout.split('\nExamples:\n')[1]?.replace(/\n+$/, '').split('\n') ?? [];
  t.true(examples.length >= 5, help.stdout);
  for (const command of ['ca-fingerprint', 'admin-token', 'backup', 'restore'])
    t.true(
      examples.some((line) => line.startsWith(`  $ otherix-server ${command} `)),
      command,
    );
  t.true(
    examples.some((line) => /^ {2}\$ otherix-server --/.test(line)),
    'serve, the default command',
  );
  const flags = new Set([...help.stdout.split('\nExamples:\n')[0].matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]));
  for (const line of examples) {
    t.regex(line, /^ {2}\$ otherix-server /);
    for (const flag of line.match(/--[a-z-]+/g) ?? []) t.true(flags.has(flag), `${flag} in "${line}" is a documented flag`);
  }
});
