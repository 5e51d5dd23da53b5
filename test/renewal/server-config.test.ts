// otherix-server --node-cert-lifetime (and OTHERIX_SERVER__NODE_CERT_LIFETIME), the real binary:
// 1m to 365d with days allowed, default 30 days; under an hour the CP warns at start that it is
// for testing; anything else is a usage error (exit 2) naming the flag or the variable. Joins sign
// for that lifetime, counted from signing.
import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { CERTIFICATE_BACKDATE_MS } from '@otherix/sdk/pki';
import { api, runServerBinary, spawnControlPlane } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';

async function joinedLifetime(cp: SpawnedControlPlane, name: string): Promise<number> {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: name } });
  const { csrPem } = await nodeCsr(name);
  const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, name, csrPem) });
  const leaf = new X509Certificate(joined.body.certificate_pem);
  return Date.parse(leaf.validTo) - (Date.parse(leaf.validFrom) + CERTIFICATE_BACKDATE_MS);
}

test('default 30 days without a warning; a lifetime from the environment; under an hour a warning that it is for testing', async (t) => {
  const plain = await spawnControlPlane();
  t.teardown(() => plain.stop().then(() => undefined));
  t.is(await joinedLifetime(plain, 'default-life'), 30 * 86_400_000);
  t.notRegex(plain.output().stderr, /node-cert-lifetime/);

  const fromEnv = await spawnControlPlane({ env: { OTHERIX_SERVER__NODE_CERT_LIFETIME: '1d12h' } });
  t.teardown(() => fromEnv.stop().then(() => undefined));
  t.is(await joinedLifetime(fromEnv, 'env-life'), 36 * 3_600_000);
  t.notRegex(fromEnv.output().stderr, /warning/);

  const short = await spawnControlPlane({ args: ['--node-cert-lifetime', '90s'], env: { OTHERIX_SERVER__NODE_CERT_LIFETIME: '7d' } });
  t.teardown(() => short.stop().then(() => undefined));
  t.is(await joinedLifetime(short, 'short-life'), 90_000, 'the flag wins over the environment');
  t.regex(
    short.output().stderr,
    /^otherix-server: warning: --node-cert-lifetime 1m30s is under an hour: node certificates end minutes after they are signed .* this is for testing, not for a real cluster \(default 30d\)$/m,
  );
  t.regex(short.output().stdout, /"event":"start_warning".*node-cert-lifetime 1m30s is under an hour/);
});

test('outside 1m..365d, or not a duration: a usage error naming where the value came from', async (t) => {
  for (const [args, env, expected] of [
    [['--node-cert-lifetime', '59s'], {}, /--node-cert-lifetime 59s: expected a lifetime from 1m to 365d/],
    [['--node-cert-lifetime', '366d'], {}, /--node-cert-lifetime 366d: expected a lifetime from 1m to 365d/],
    [['--node-cert-lifetime', 'forever'], {}, /--node-cert-lifetime forever: expected a duration such as 30d/],
    [[], { OTHERIX_SERVER__NODE_CERT_LIFETIME: '0' }, /OTHERIX_SERVER__NODE_CERT_LIFETIME 0: expected a lifetime from 1m to 365d/],
  ] as const) {
    const run = await runServerBinary(['serve', '--data-dir', '/nonexistent/never-created', ...args], { ...env });
    t.is(run.code, 2, run.stderr);
    t.regex(run.stderr, expected);
  }
  const help = await runServerBinary(['--help']);
  t.regex(help.stdout, /--node-cert-lifetime D +how long node certificates live, from signing: 1m to 365d \(default 30d\)/);
  t.regex(help.stdout, /OTHERIX_SERVER__NODE_CERT_LIFETIME/);
});
