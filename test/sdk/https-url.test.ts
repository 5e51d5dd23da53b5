// https URLs read one way: the CP's URL (every client, --cp-url, agent.yaml's cp_url) and a node's
// advertised endpoint (bootstrap's flag and the CP's check of a join): the SDK's parseHttpsUrl.
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentConfig, parseCpUrl, resolveBootstrapOptions } from '@otherix/sdk';
import { parseHttpsUrl } from '@otherix/sdk/internal';
import { api, startControlPlane } from '../harness/control-plane.js';
import { BOOTSTRAP_OPTIONS, joinRequest, nodeCsr } from '../harness/join-request.js';

const BASE = { subject: 'the URL', code: 'usage' } as const;

test('an https URL comes back parsed', (t) => {
  t.is(parseHttpsUrl('https://cp.example.test:8443', { ...BASE, originOnly: true }).origin, 'https://cp.example.test:8443');
  t.is(parseHttpsUrl('https://[fd00::1]:9443/agent', BASE).hostname, '[fd00::1]');
  t.is(parseCpUrl('https://127.0.0.1:8443/').port, '8443');
});

test('what it refuses, with the caller subject and code', (t) => {
  const cases: [string, Partial<Parameters<typeof parseHttpsUrl>[1]>, RegExp][] = [
    ['not a url', {}, /^the URL "not a url" is not a URL: give https:\/\/host:port$/],
    ['http://cp:8443', {}, /^the URL http:\/\/cp:8443 must be an https:\/\/ URL: every Otherix connection must use https:\/\//],
    ['https://user:pw@cp:8443', {}, /must not carry credentials, a query or a fragment$/],
    ['https://cp:8443/?a=1', {}, /must not carry credentials, a query or a fragment$/],
    ['https://cp:8443/#top', {}, /must not carry credentials, a query or a fragment$/],
    ['https://cp:8443/api', { originOnly: true }, /must be https:\/\/host:port without a path, query or credentials$/],
    ['https://node_1.example.test:9443', { certifiedHost: true }, /: its host "node_1\.example\.test" holds "_"/],
    ['https://*.example.test:9443', { certifiedHost: true }, /: its host "\*\.example\.test" is a wildcard/],
  ];
  for (const [text, rules, message] of cases) {
    t.throws(() => parseHttpsUrl(text, { ...BASE, ...rules }), { code: 'usage', message }, text);
  }
  t.throws(() => parseHttpsUrl('http://cp', { subject: 'cp_url', code: 'config_invalid' }), {
    code: 'config_invalid',
    message: /^cp_url /,
  });
  // A base URL with a path is fine as an endpoint, and a host with '_' is fine for a CP a client dials.
  t.notThrows(() => parseHttpsUrl('https://cp:8443/api', BASE));
  t.notThrows(() => parseCpUrl('https://cp_1:8443'));
});

test('bootstrap, agent.yaml and the client read their URLs with it', async (t) => {
  const bootstrap = BOOTSTRAP_OPTIONS;
  t.throws(() => resolveBootstrapOptions({ ...bootstrap, advertisedEndpoint: 'https://10.0.0.1:9443/?x=1' }), {
    code: 'usage',
    message: /^--advertised-endpoint .* must not carry credentials, a query or a fragment$/,
  });
  t.throws(() => resolveBootstrapOptions({ ...bootstrap, cpUrl: 'https://127.0.0.1:1/api' }), {
    code: 'usage',
    message: /^--cp-url: control-plane URL .* without a path/,
  });
  const dir = await mkdtemp(join(tmpdir(), 'otherix-url-'));
  try {
    const path = join(dir, 'agent.yaml');
    const yaml = (cpUrl: string) =>
      `node_name: n1\ncp_url: ${cpUrl}\nadvertised_endpoint: https://127.0.0.1:9443\nmigration:\n  host: 127.0.0.1\n`;
    await writeFile(path, yaml('https://cp.example.test:8443/api'));
    t.throws(() => loadAgentConfig({ path, env: {} }), {
      code: 'config_invalid',
      message: /cp_url https:\/\/cp\.example\.test:8443\/api must be https:\/\/host:port without a path/,
    });
    await writeFile(path, yaml('https://cp.example.test:8443'));
    t.is(loadAgentConfig({ path, env: {} }).cp_url, 'https://cp.example.test:8443');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the CP reads a join's advertised_endpoint as bootstrap does: what one refuses, the other does", async (t) => {
  const cp = await startControlPlane();
  try {
    const { csrPem } = await nodeCsr('url-join');
    for (const endpoint of [
      'https://10.0.0.1:9443/?x=1',
      'https://10.0.0.1:9443/#top',
      'http://10.0.0.1:9443',
      'https://node_1.example.test:9443',
    ]) {
      const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', { token: cp.adminToken, body: { node_name: 'url-join' } });
      const joined = await api(cp, 'POST', '/v1/nodes/join', {
        body: joinRequest(minted.body.token, 'url-join', csrPem, { advertised_endpoint: endpoint }),
      });
      t.is(joined.status, 400, endpoint);
      t.like(joined.body.error, { code: 'validation_failed', details: { field: 'advertised_endpoint' } }, endpoint);
      t.true(String(joined.body.error.message).startsWith(`advertised_endpoint ${endpoint}`), joined.body.error.message);
    }
  } finally {
    await cp.close();
  }
});
