// A whole join at debug log level: no join token, API token, CSR, key or Authorization header
// appears in any log line (SPEC §2, issue 3 "Secrets"); nor a token the client put in the URL.
import test from 'ava';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { hashToken } from '@otherix/sdk/internal';
import { redactDatabaseUrl, redactTokens, redactUrl } from '@otherix/server';
import { api, runServerBinary, startControlPlane } from '../harness/control-plane.js';
import { joinRequest, nodeCsr } from '../harness/join-request.js';

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
    t.regex(logs, /"level":"debug"/); // debug lines are really there
    t.regex(logs, /\/v1\/nodes\/join/);
    const secrets: Record<string, string> = {
      'join token': minted.body.token,
      'join token secret part': minted.body.token.slice('otx_join_'.length),
      'join token hash': hashToken(minted.body.token),
      'admin token': cp.adminToken,
      'minted API token': apiToken.body.token,
      'CSR body': csrPem.split('\n')[1],
      'node key': keyPem.split('\n')[1],
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

// Issue 12 item 7: a client can put a token anywhere in the URL, or send a request Node cannot
// parse; the logged URL, the messages and the errors carry none of it, even at trace level.
test('tokens a client puts in the URL or in a malformed request never reach the logs', async (t) => {
  const cp = await startControlPlane({ captureLogs: 'trace' });
  try {
    const joinToken = (await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: {} })).body.token as string;
    const apiToken = cp.adminToken;
    const encoded = (token: string) => token.replace(/_/g, '%5F');
    const gets = [
      `/v1/whoami?token=${apiToken}`,
      `/v1/whoami?access_token=${apiToken}`,
      `/v1/nodes?limit=5&api_key=${apiToken}`,
      `/v1/nodes?cursor=${joinToken}`, // an API parameter holding a token
      `/v1/nodes?${joinToken}`, // a bare token as the query string
      `/v1/nodes?limit=5&x=${encoded(joinToken)}`,
      `/v1/nodes/${joinToken}`, // a token as a path segment: echoed in the 404 message too
      `/v1/nodes/${encoded(apiToken)}`,
      `/v1/nodes/${encoded(apiToken)}%`, // a stray '%' makes the segment undecodable as a whole
      `/v1/nodes?cursor=%E0${encoded(joinToken)}`, // so does an invalid UTF-8 escape
    ];
    for (const url of gets) await api(cp, 'GET', url, { token: apiToken });
    await api(cp, 'POST', `/v1/nodes/join?token=${joinToken}`, { body: {} });
    // A request Node's parser refuses: Node keeps its raw bytes (Authorization header and all) on the error.
    await sendRaw(
      cp,
      `GET /v1/whoami?token=${joinToken} HTTP/1.1\r\nHost: cp\r\nAuthorization: Bearer ${apiToken}\r\nnot a header\r\n\r\n`,
    );
    // The Host header is logged: a token there is redacted, percent-encoded too.
    await sendRaw(cp, `GET /v1/whoami HTTP/1.1\r\nHost: ${encoded(apiToken)}\r\nConnection: close\r\n\r\n`);

    const logs = cp.logs.join('\n');
    t.regex(logs, /"level":"trace"/); // trace lines are really there
    t.regex(logs, /"url":"\/v1\/whoami\?token=\[redacted\]"/);
    t.regex(logs, /"url":"\/v1\/nodes\?limit=5&api_key=\[redacted\]"/, 'the API parameter keeps its value, the foreign one does not');
    t.regex(logs, /"url":"\/v1\/nodes\/\[redacted\]"/);
    t.regex(logs, /no node is named otx_join_\[redacted\]/, 'the message echoing the name is redacted in the log');
    t.regex(logs, /client error/, 'the malformed request was logged');
    for (const [what, secret] of Object.entries({ 'join token': joinToken, 'API token': apiToken })) {
      const secretPart = secret.replace(/^otx_(join|api)_/, '');
      t.false(logs.includes(secretPart), `the ${what}'s secret part appears in the logs`);
      t.false(logs.includes(encoded(secret)), `the ${what} percent-encoded appears in the logs`);
    }
    t.false(logs.includes('rawPacket'), 'the raw bytes of a bad request are logged');
  } finally {
    await cp.close();
  }
});

test('the logged URL keeps the path and the API query parameters, and redacts the rest', (t) => {
  const token = `otx_api_${'A'.repeat(43)}`;
  t.is(redactUrl('/v1/nodes?limit=100&cursor=abc&status=ready'), '/v1/nodes?limit=100&cursor=abc&status=ready');
  t.is(redactUrl(`/v1/nodes?token=${token}&limit=2`), '/v1/nodes?token=[redacted]&limit=2');
  t.is(redactUrl('/v1/whoami?password=hunter2&flag'), '/v1/whoami?password=[redacted]&flag');
  t.is(redactUrl(`/v1/nodes/${token}/cordon`), '/v1/nodes/[redacted]/cordon');
  t.is(redactUrl(`/v1/x?${token.replace(/_/g, '%255F')}`), '/v1/x?[redacted]', 'double encoding');
  t.is(redactUrl('/v1/x?li%6Dit=5'), '/v1/x?li%6Dit=5', 'an encoded API parameter name');
  // An escape that does not decode elsewhere in the text must not hide the encoded token.
  t.is(redactUrl(`/v1/nodes/${token.replace(/_/g, '%5F')}%`), '/v1/nodes/[redacted]', 'a stray % after an encoded token');
  t.is(
    redactUrl(`/v1/nodes?cursor=%E0${token.replace(/_/g, '%5F')}`),
    '/v1/nodes?cursor=[redacted]',
    'an invalid UTF-8 escape before an encoded token',
  );
  t.is(redactUrl(`/v1/nodes?%ZZ${token.replace(/_/g, '%255F')}`), '/v1/nodes?[redacted]', 'double encoding beside a bad escape');
  t.is(redactTokens(`refused: bearer ${token} and otx_join_abc`), 'refused: bearer otx_api_[redacted] and otx_join_[redacted]');
  t.is(redactTokens('Authorization: Bearer otx_api_...'), 'Authorization: Bearer otx_api_...', 'the documented placeholder stays readable');
});

test('a database URL is shown without its secrets: the password in its user part or in its query', async (t) => {
  t.is(redactDatabaseUrl('postgres://admin:UserSecret1@db:5432/otherix'), 'postgres://admin:***@db:5432/otherix');
  t.is(
    redactDatabaseUrl('postgres://admin@db/otherix?password=QuerySecret1&sslpassword=KeySecret1&sslmode=require'),
    'postgres://admin@db/otherix?password=***&sslpassword=***&sslmode=require',
  );
  // The real binary's refusal of a database it cannot reach (port 1 on loopback refuses at once).
  const dir = await mkdtemp(join(tmpdir(), 'otherix-db-url-'));
  try {
    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, 'a'.repeat(64));
    await chmod(secretFile, 0o600);
    const url = 'postgres://admin:UserSecret1@127.0.0.1:1/otherix?password=QuerySecret1&sslpassword=KeySecret1';
    const run = await runServerBinary(['serve', '--data-dir', join(dir, 'cp'), '--database-url', url, '--secret-file', secretFile]);
    t.is(run.code, 1);
    t.regex(run.stderr, /cannot use the PostgreSQL database at postgres:\/\/admin:\*\*\*@127\.0\.0\.1:1\/otherix\?password=\*\*\*/);
    for (const secret of ['UserSecret1', 'QuerySecret1', 'KeySecret1']) t.false(`${run.stdout}${run.stderr}`.includes(secret), secret);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function sendRaw(cp: { url: string; caPem: string }, request: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(
      { host: '127.0.0.1', port: Number(new URL(cp.url).port), ca: cp.caPem, checkServerIdentity: () => undefined },
      () => socket.end(request),
    );
    socket.on('data', () => undefined);
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}
