// Recovery when no admin token works (issue 12 item 12): `otherix-server admin-token --data-dir`
// (the real binary) mints an admin API token on the CP host, printed once on stdout, only its
// hash stored; it works beside a running CP (which accepts it at once) and with the CP stopped.
// A CP that starts with an admin.token that no longer logs anyone in says how to get one that
// does, instead of a login command that would fail.
import test from 'ava';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateToken, hashToken } from '@otherix/sdk/internal';
import { adminTokenFileState, OFFLINE_CREATOR, startupLines } from '@otherix/server';
import type { AdminTokenFileState } from '@otherix/server';
import { api, runServerBinary, spawnControlPlane, startControlPlane, tempDataDir } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { makeCliHome } from '../harness/cli.js';
import { eventually } from '../harness/loopback.js';

const TOKEN_LINE = /^otx_api_[A-Za-z0-9_-]{43}\n$/;

async function startLines(cp: SpawnedControlPlane): Promise<string> {
  return (
    await eventually(
      async () => cp.output().stderr,
      (stderr) => /^next: .*\n/m.test(stderr),
    )
  ).trim();
}

async function tokensNamed(cp: SpawnedControlPlane, token: string) {
  return (await api(cp, 'GET', '/v1/api-tokens?limit=500', { token })).body.items as Array<{
    id: string;
    name: string;
    revoked: boolean;
    created_by: string;
  }>;
}

test('offline recovery: admin-token beside a running CP, the start line after, and with the CP stopped', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-recovery-');
  const cli = await makeCliHome();
  t.teardown(() => cli.remove());
  let cp = await spawnControlPlane({ dataDir });
  t.regex(await startLines(cp), /^next: otherix login --cp-url /m, 'a fresh CP offers the login with admin.token');
  // The admin hands over to a second admin token and revokes admin.token's; then loses the second.
  const handover = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'handover', role: 'admin' } });
  const first = (await tokensNamed(cp, cp.adminToken)).find((item) => item.name === 'admin')!;
  t.is((await api(cp, 'POST', `/v1/api-tokens/${first.id}/revoke`, { token: handover.body.token })).status, 200);

  // Recovery while the CP runs: the token alone on stdout, the next step on stderr.
  const minted = await runServerBinary(['admin-token', '--data-dir', dataDir]);
  t.is(minted.code, 0, minted.stderr);
  t.regex(minted.stdout, TOKEN_LINE);
  const recovered = minted.stdout.trim();
  t.regex(
    minted.stderr,
    /^otherix-server: [^\n]*admin-recovery-\d{8}T\d{6}Z \(id [0-9a-f-]{36}\)[^\n]*printed once/,
    'names the token and that it is shown once',
  );
  t.true(minted.stderr.includes(`--ca-fingerprint ${cp.caFingerprint} --token-path <that file>`), minted.stderr);
  t.false(minted.stderr.includes(recovered), 'the token is on stdout only');
  // The running CP accepts it at once, as an admin, and the real CLI logs in with it.
  t.like((await api(cp, 'GET', '/v1/whoami', { token: recovered })).body, { role: 'admin' });
  const tokenFile = join(cli.home, 'recovered.token');
  await writeFile(tokenFile, minted.stdout, { mode: 0o600 });
  const login = await cli.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint, '--token-path', tokenFile]);
  t.is(login.exitCode, 0, login.stderr);
  t.regex(login.stdout, /as admin-recovery-\d{8}T\d{6}Z \(role: admin\)/);
  const listed = await tokensNamed(cp, recovered);
  const row = listed.find((item) => item.name.startsWith('admin-recovery-'))!;
  t.is(row.created_by, OFFLINE_CREATOR);
  // Only the hash is in the database.
  const db = await readFile(join(dataDir, 'otherix.db'));
  const wal = await readFile(join(dataDir, 'otherix.db-wal')).catch(() => Buffer.alloc(0));
  t.false(Buffer.concat([db, wal]).includes(recovered), 'the plaintext token is stored');
  t.true(Buffer.concat([db, wal]).includes(hashToken(recovered)));
  // The lost handover token can now be revoked with the recovered one.
  const handoverId = listed.find((item) => item.name === 'handover')!.id;
  t.is((await api(cp, 'POST', `/v1/api-tokens/${handoverId}/revoke`, { token: recovered })).status, 200);

  // A restart with the revoked admin.token: no login command that would fail.
  t.is((await cp.stop()).code, 0);
  cp = await spawnControlPlane({ dataDir });
  const lines = await startLines(cp);
  t.true(lines.includes(`(CA fingerprint ${cp.caFingerprint}; no working admin token in ${join(dataDir, 'admin.token')})`), lines);
  t.true(
    lines.includes(
      `next: ${join(dataDir, 'admin.token')} holds a revoked API token, so \`otherix login\` with it would fail: if you have no other admin token, run \`otherix-server admin-token --data-dir ${dataDir}\` on this host`,
    ),
    lines,
  );
  t.false(lines.includes('--token-path /'), 'no login with the dead file');

  // Recovery with the CP stopped, then started: the token works.
  t.is((await cp.stop()).code, 0);
  const offline = await runServerBinary(['admin-token', '--data-dir', dataDir, '--name', 'offline-admin']);
  t.is(offline.code, 0, offline.stderr);
  cp = await spawnControlPlane({ dataDir });
  t.deepEqual((await api(cp, 'GET', '/v1/whoami', { token: offline.stdout.trim() })).body, { name: 'offline-admin', role: 'admin' });
  // A name already in use is refused, nothing minted.
  const clash = await runServerBinary(['admin-token', '--data-dir', dataDir, '--name', 'offline-admin']);
  t.is(clash.code, 1);
  t.is(clash.stdout, '');
  t.regex(clash.stderr, /^error: conflict: [^\n]*offline-admin[^\n]*pick another name with --name\n$/);
  t.is((await cp.stop()).code, 0);
});

test('admin-token refuses a data dir without a database, a bad name, and --name elsewhere', async (t) => {
  const empty = await tempDataDir(t, 'otherix-recovery-empty-');
  const none = await runServerBinary(['admin-token', '--data-dir', empty]);
  t.is(none.code, 1);
  t.is(none.stdout, '');
  t.regex(
    none.stderr,
    /^error: data_dir_invalid: [^\n]*otherix\.db is missing[^\n]*give the --data-dir of an otherix-server that has started at least once\n$/,
  );
  const badName = await runServerBinary(['admin-token', '--data-dir', empty, '--name', 'bad name']);
  t.is(badName.code, 1);
  t.regex(badName.stderr, /--name "bad name" is not a token name/);
  const misplaced = await runServerBinary(['ca-fingerprint', '--data-dir', empty, '--name', 'x']);
  t.is(misplaced.code, 2);
  t.regex(misplaced.stderr, /--name is for admin-token only/);
});

test('the start line names what is wrong with admin.token: missing, not a token, unknown, revoked, expired', async (t) => {
  const cp = await startControlPlane();
  try {
    const file = join(cp.dataDir, 'admin.token');
    const state = (): Promise<AdminTokenFileState> => adminTokenFileState(file, cp.store, cp.clock.now());
    t.is(await state(), 'live');
    const expiring = generateToken('api');
    await cp.store.insertApiToken({
      id: '6f1d2a8e-3c4b-4f5a-9b6c-7d8e9f0a1b2c',
      name: 'expiring-admin',
      role: 'admin',
      tokenHash: hashToken(expiring),
      expiresAt: cp.clock.now() + 60_000,
      revokedAt: null,
      createdBy: 'test',
      createdAt: cp.clock.now(),
    });
    await writeFile(file, `${expiring}\n`);
    t.is(await state(), 'live');
    cp.clock.advance(61_000);
    t.is(await state(), 'expired');
    await writeFile(file, `${generateToken('api')}\n`);
    t.is(await state(), 'unknown', 'a token from another database');
    await writeFile(file, 'not a token\n');
    t.is(await state(), 'not_a_token');
    await rm(file);
    t.is(await state(), 'missing');

    const facts = {
      url: 'https://127.0.0.1:8443',
      listenHost: '127.0.0.1',
      advertiseHosts: [],
      fingerprint: cp.caFingerprint,
      dataDir: cp.dataDir,
      adminTokenFile: file,
    };
    const live = startupLines({ ...facts, adminTokenState: 'live' });
    t.is(
      live[1],
      `next: otherix login --cp-url https://127.0.0.1:8443 --ca-fingerprint ${cp.caFingerprint} --token-path ${file}, then otherix node join-token create --node-name <name>`,
    );
    const why: Record<Exclude<AdminTokenFileState, 'live'>, string> = {
      missing: 'does not exist',
      not_a_token: 'does not hold an API token',
      unknown: 'holds a token this control plane does not know',
      revoked: 'holds a revoked API token',
      expired: 'holds an expired API token',
      not_admin: 'holds a token without the admin role',
    };
    for (const [adminTokenState, reason] of Object.entries(why) as Array<[Exclude<AdminTokenFileState, 'live'>, string]>) {
      const [listening, next] = startupLines({ ...facts, adminTokenState });
      t.regex(
        listening,
        /^otherix-server listening on https:\/\/127\.0\.0\.1:8443 \(CA fingerprint sha256:[0-9a-f]{64}; no working admin token in /,
      );
      t.true(next.startsWith(`next: ${file} ${reason}, so \`otherix login\` with it would fail: `), next);
      t.true(next.includes(`otherix-server admin-token --data-dir ${cp.dataDir}`), next);
      t.false(next.includes(`--token-path ${file}`), next);
    }
  } finally {
    await cp.close();
  }
});
