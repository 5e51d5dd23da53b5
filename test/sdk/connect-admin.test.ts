// connectAdmin: the pinned, authenticated client in one call that automation used to copy from
// the examples (pin the CA by fingerprint, then a client with the API token), against a real CP.
import test from 'ava';
import { connectAdmin, isOtherixError } from '@otherix/sdk';
import type { AdminConnection } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';

let cp: ControlPlane;
const opened: AdminConnection[] = [];

test.before(async () => {
  cp = await startControlPlane({ captureLogs: 'debug' });
});

test.after.always(async () => {
  for (const connection of opened) await connection.client.close();
  await cp?.close();
});

async function open(...args: Parameters<typeof connectAdmin>): Promise<AdminConnection> {
  const connection = await connectAdmin(...args);
  opened.push(connection);
  return connection;
}

test('from explicit options: pins the CA, checks the token, and the client mints and lists tokens', async (t) => {
  const connection = await open({ cpUrl: cp.url, caFingerprint: cp.caFingerprint, token: cp.adminToken, env: {} });
  t.is(connection.caFingerprint, cp.caFingerprint);
  t.is(connection.caPem.trim(), cp.caPem.trim());
  t.is(connection.whoami.role, 'admin');
  const minted = await connection.client.joinTokens.create({ node_name: 'connect-admin-1', ttl_seconds: 600 });
  const page = await connection.client.joinTokens.list();
  t.true(page.items.some((token) => token.id === minted.id));
});

test('from the environment: OTHERIX_CP_URL, OTHERIX_CA_FINGERPRINT, OTHERIX_TOKEN', async (t) => {
  const env = { OTHERIX_CP_URL: cp.url, OTHERIX_CA_FINGERPRINT: cp.caFingerprint, OTHERIX_TOKEN: cp.adminToken };
  const connection = await open({ env });
  t.is(connection.cpUrl, cp.url);
  t.is(connection.whoami.role, 'admin');
});

test('a missing setting is usage, naming every variable missing, before any connection', async (t) => {
  const error = await t.throwsAsync(connectAdmin({ cpUrl: cp.url, env: { OTHERIX_TOKEN: '' } }));
  t.true(isOtherixError(error, 'usage'), String(error));
  t.regex(error.message, /caFingerprint \(or OTHERIX_CA_FINGERPRINT\), token \(or OTHERIX_TOKEN\) not given/);
});

test('a malformed token is invalid_token, an unknown one unauthenticated', async (t) => {
  const base = { cpUrl: cp.url, caFingerprint: cp.caFingerprint, env: {} };
  t.true(isOtherixError(await t.throwsAsync(connectAdmin({ ...base, token: 'not-a-token' })), 'invalid_token'));
  const unknown = `otx_api_${'A'.repeat(43)}`;
  t.true(isOtherixError(await t.throwsAsync(connectAdmin({ ...base, token: unknown })), 'unauthenticated'));
});

test.serial('a wrong fingerprint is fingerprint_mismatch, and the token is never sent', async (t) => {
  const whoamiCalls = (): number => cp.logs.filter((line) => line.includes('/v1/whoami')).length;
  const before = whoamiCalls();
  const error = await t.throwsAsync(
    connectAdmin({ cpUrl: cp.url, caFingerprint: `sha256:${'0'.repeat(64)}`, token: cp.adminToken, env: {} }),
  );
  t.true(isOtherixError(error, 'fingerprint_mismatch'), String(error));
  t.is(whoamiCalls(), before);
  // The log does show a whoami when the pin holds: the count above can move.
  await open({ cpUrl: cp.url, caFingerprint: cp.caFingerprint, token: cp.adminToken, env: {} });
  t.true(whoamiCalls() > before);
});
