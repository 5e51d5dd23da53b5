// A whole join at debug log level: no join token, API token, CSR, key or Authorization header
// appears in any log line (SPEC §2, issue 3 "Secrets").
import test from 'ava';
import { hashToken } from '@otherix/sdk';
import { api, startControlPlane } from './helpers/control-plane.js';
import { joinRequest, nodeCsr } from './helpers/join-request.js';

test('no secret reaches the logs of a full mint + join + refusals at debug level', async (t) => {
  const cp = await startControlPlane({ captureLogs: 'debug' });
  try {
    const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { max_uses: 1 } });
    const apiToken = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: 'log-check', role: 'viewer' } });
    const { csrPem, keyPem } = await nodeCsr('quiet-node');
    const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'quiet-node', csrPem) });
    t.is(joined.status, 201);
    // Refusals log too: an exhausted token, a malformed body carrying a token, a bad bearer token.
    await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, 'quiet-node-2', csrPem) });
    await api(cp, 'POST', '/v1/nodes/join', { rawBody: `{"token": "${minted.body.token}", ` });
    await api(cp, 'GET', '/v1/whoami', { token: apiToken.body.token });
    await api(cp, 'GET', '/v1/whoami', { headers: { authorization: `Bearer ${minted.body.token}` } });

    const logs = cp.logs.join('\n');
    t.true(cp.logs.length > 10, 'debug logging captured request lines');
    t.regex(logs, /"level":20/); // debug lines are really there
    t.regex(logs, /\/v1\/nodes\/join/);
    const secrets: Record<string, string> = {
      'join token': minted.body.token,
      'join token secret part': minted.body.token.slice('otx_join_'.length),
      'join token hash': hashToken(minted.body.token),
      'admin token': cp.adminToken,
      'minted API token': apiToken.body.token,
      'CSR body': csrPem.split('\n')[1]!,
      'node key': keyPem.split('\n')[1]!,
      'leaf certificate body': joined.body.certificate_pem.split('\n')[2]!,
    };
    for (const [what, secret] of Object.entries(secrets)) t.false(logs.includes(secret), `${what} appears in the logs`);
    t.false(/Bearer\s+otx_(api|join)_[A-Za-z0-9_-]{43}/.test(logs), 'an Authorization header value appears in the logs');
    t.false(/"headers"\s*:/.test(logs), 'request headers appear in the logs');
    t.false(logs.includes('BEGIN CERTIFICATE REQUEST'));
    t.false(logs.includes('PRIVATE KEY'));
  } finally {
    await cp.close();
  }
});
