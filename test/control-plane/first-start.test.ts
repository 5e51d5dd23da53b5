// First start and restart of the real `otherix-server` binary (SPEC §2): the data dir and its
// files with their modes, the cluster CA and the CP's certificates as openssl reads them,
// `ca-fingerprint`, reuse on restart, the refusal of an exposed CA key, clean SIGTERM/SIGINT.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, runServerBinary, spawnControlPlane, tempDataDir } from '../harness/control-plane.js';

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

function opensslText(certPath: string): string {
  return execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-text'], { encoding: 'utf8' });
}

test('first start creates the data dir 0700, the CA (P-384, CA:true pathlen:0, 10 years), CP certificates and admin.token 0600', async (t) => {
  const parent = await mkdtemp(join(tmpdir(), 'otherix-first-'));
  const dataDir = join(parent, 'data');
  const cp = await spawnControlPlane({ dataDir, args: ['--advertise-host', 'cp.example.test', '--advertise-host', '10.11.12.13'] });
  try {
    t.is(await mode(dataDir), 0o700);
    t.is(await mode(join(dataDir, 'ca.key')), 0o600);
    t.is(await mode(join(dataDir, 'admin.token')), 0o600);
    t.is(await mode(join(dataDir, 'server.key')), 0o600);
    t.is(await mode(join(dataDir, 'client.key')), 0o600);
    t.regex(cp.adminToken, /^otx_api_[A-Za-z0-9_-]{43}$/);
    // The listening line has the URL, the fingerprint and the token's path, never the token.
    const { stdout, stderr } = cp.output();
    t.regex(stderr, new RegExp(`admin token in ${join(dataDir, 'admin.token')}`));
    t.false((stdout + stderr).includes(cp.adminToken));

    const ca = opensslText(join(dataDir, 'ca.crt'));
    t.regex(ca, /NIST CURVE: P-384/);
    t.regex(ca, /CA:TRUE, pathlen:0/);
    t.regex(ca, /Certificate Sign, CRL Sign/);
    const caCert = new X509Certificate(await readFile(join(dataDir, 'ca.crt')));
    const years = (Date.parse(caCert.validTo) - Date.parse(caCert.validFrom)) / (365 * 24 * 3600 * 1000);
    t.true(years >= 10 && years < 10.1, String(years));

    const serving = opensslText(join(dataDir, 'server.crt'));
    t.regex(serving, /URI:spiffe:\/\/otherix\/control-plane/);
    for (const san of [
      'DNS:cp.example.test',
      'IP Address:10.11.12.13',
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
      `DNS:${hostname().toLowerCase()}`,
    ]) {
      t.true(serving.includes(san), san);
    }
    t.regex(serving, /TLS Web Server Authentication, TLS Web Client Authentication/);
    const client = opensslText(join(dataDir, 'client.crt'));
    t.regex(client, /URI:spiffe:\/\/otherix\/control-plane/);
    t.regex(client, /Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
    for (const cert of ['server.crt', 'client.crt']) {
      t.notThrows(() => execFileSync('openssl', ['verify', '-CAfile', join(dataDir, 'ca.crt'), join(dataDir, cert)]));
    }

    t.deepEqual((await api(cp, 'GET', '/v1/whoami', { token: cp.adminToken })).body, { name: 'admin', role: 'admin' });
    const fingerprint = await runServerBinary(['ca-fingerprint', '--data-dir', dataDir]);
    t.is(fingerprint.code, 0);
    t.is(fingerprint.stdout.trim(), cp.caFingerprint);
    t.is((await api(cp, 'GET', '/v1/ca')).body.fingerprint, cp.caFingerprint);
  } finally {
    t.is((await cp.stop('SIGTERM')).code, 0);
    await rm(parent, { recursive: true, force: true });
  }
});

test('a restart reuses the CA, the certificates and the admin token; a new --advertise-host renews only the serving certificate', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-restart-');
  const first = await spawnControlPlane({ dataDir });
  const files = async () =>
    Object.fromEntries(
      await Promise.all(
        ['ca.crt', 'ca.key', 'server.crt', 'client.crt', 'admin.token'].map(async (f) => [f, await readFile(join(dataDir, f), 'utf8')]),
      ),
    );
  const before = await files();
  t.is((await first.stop('SIGINT')).code, 0);

  const second = await spawnControlPlane({ dataDir });
  t.deepEqual(await files(), before);
  t.is(second.caFingerprint, first.caFingerprint);
  t.is((await api(second, 'GET', '/v1/whoami', { token: first.adminToken })).status, 200);
  t.is((await second.stop()).code, 0);

  const third = await spawnControlPlane({ dataDir, args: ['--advertise-host', 'new-name.example.test'] });
  const after = await files();
  t.is(after['ca.crt'], before['ca.crt']);
  t.is(after['client.crt'], before['client.crt']);
  t.not(after['server.crt'], before['server.crt']);
  t.regex(opensslText(join(dataDir, 'server.crt')), /DNS:new-name\.example\.test/);
  t.is((await third.stop()).code, 0);
});

test('a CA key readable by group or others stops the start with exit 1 and says how to fix it', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-exposed-');
  const cp = await spawnControlPlane({ dataDir });
  await cp.stop();
  await chmod(join(dataDir, 'ca.key'), 0o644);
  const refused = await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /ca\.key is readable by group or others/);
  t.regex(refused.stderr, /chmod 600/);
  await chmod(join(dataDir, 'ca.key'), 0o640);
  t.is((await runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'])).code, 1);
});

test('ca-fingerprint on an empty data dir and bad flags are clear failures', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-empty-');
  const missing = await runServerBinary(['ca-fingerprint', '--data-dir', dataDir]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no cluster CA/);
  const usage = await runServerBinary(['serve', '--listen', 'nowhere']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--listen nowhere/);
});

test('SIGTERM closes the server cleanly with exit 0 and the tokens minted before it survive', async (t) => {
  const dataDir = await tempDataDir(t, 'otherix-sigterm-');
  const cp = await spawnControlPlane({ dataDir });
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} });
  t.is(minted.status, 201);
  const exit = await cp.stop('SIGTERM');
  t.deepEqual(exit, { code: 0, signal: null });
  t.regex(cp.output().stdout, /shutting down/);
  const again = await spawnControlPlane({ dataDir });
  const listed = await api(again, 'GET', '/v1/nodes/join-tokens', { token: again.adminToken });
  t.true(listed.body.items.some((i: { id: string }) => i.id === minted.body.id));
  t.is((await again.stop('SIGINT')).code, 0);
});
