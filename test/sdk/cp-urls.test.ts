// Several CP URLs in one value (issue 18 item 5): `--cp-url`, `cp_url` in agent.yaml and the CLI's
// config, OTHERIX_CP_URL take a comma-separated list. Each URL is read with the base-URL rules
// (parseHttpsUrl), a bad one is named by its place in the list, an empty entry or a URL given
// twice is refused, and the list keeps its order.
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOtherixError, loadAgentConfig, resolveBootstrapOptions } from '@otherix/sdk';
import { formatCpUrls, parseCpUrls } from '@otherix/sdk/internal';
import { BOOTSTRAP_OPTIONS } from '../harness/join-request.js';

test('a comma-separated list gives each URL as its origin, in the order given', (t) => {
  t.deepEqual(parseCpUrls('https://cp-b.example:8443, https://CP-A.example:8443/ ,https://10.0.0.5'), [
    'https://cp-b.example:8443',
    'https://cp-a.example:8443',
    'https://10.0.0.5',
  ]);
  t.deepEqual(parseCpUrls(['https://a:1', 'https://b:2']), ['https://a:1', 'https://b:2']);
  t.deepEqual(parseCpUrls('https://only:8443'), ['https://only:8443']);
  t.is(formatCpUrls(parseCpUrls('https://a:1/, https://b:2')), 'https://a:1,https://b:2');
});

test('a bad URL in the list is refused with the code asked for, naming it and its place', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['https://a:8443,http://b:8443', /^--cp-url \(URL 2 of 2\) http:\/\/b:8443 must be an https:\/\/ URL/],
    ['https://a:8443,https://b:8443/api', /^--cp-url \(URL 2 of 2\) https:\/\/b:8443\/api must be https:\/\/host:port without a path/],
    ['not a url,https://b:8443', /^--cp-url \(URL 1 of 2\) "not a url" is not a URL/],
    ['https://user:pw@a:8443,https://b:8443', /^--cp-url \(URL 1 of 2\) .* without a path, query or credentials/],
  ];
  for (const [value, message] of cases) {
    const error = t.throws(() => parseCpUrls(value, { subject: '--cp-url', code: 'usage' }));
    t.true(isOtherixError(error, 'usage'), value);
    t.regex(error.message, message);
  }
  const fromApi = t.throws(() => parseCpUrls('https://a:1,ftp://b', { subject: 'cp_url', code: 'validation_failed' }));
  t.true(isOtherixError(fromApi, 'validation_failed'));
});

test('an empty entry and a URL given twice are refused, not ignored', (t) => {
  for (const value of ['https://a:1,,https://b:2', 'https://a:1,', ',https://a:1', '']) {
    const error = t.throws(() => parseCpUrls(value, { subject: '--cp-url', code: 'usage' }));
    t.true(isOtherixError(error, 'usage'), JSON.stringify(value));
    t.regex(error.message, /is empty/);
  }
  // Two spellings of one origin are one URL.
  const twice = t.throws(() =>
    parseCpUrls('https://cp-a:8443,https://cp-b:8443,HTTPS://CP-A:8443/', { subject: '--cp-url', code: 'usage' }),
  );
  t.true(isOtherixError(twice, 'usage'));
  t.is(
    twice.message,
    '--cp-url (URL 3 of 3) HTTPS://CP-A:8443/ repeats URL 1 (https://cp-a:8443): list each control-plane replica once; a URL given twice adds no second replica to fall back on',
  );
  t.throws(() => parseCpUrls('https://cp:443,https://cp'), { message: /repeats URL 1/ });
});

test('bootstrap takes a list in --cp-url and refuses a bad one as usage before anything else', (t) => {
  const options = BOOTSTRAP_OPTIONS;
  t.is(resolveBootstrapOptions({ ...options, cpUrl: 'https://cp-a:8443,https://cp-b:8443' }).cpUrl, 'https://cp-a:8443,https://cp-b:8443');
  const error = t.throws(() => resolveBootstrapOptions({ ...options, cpUrl: 'https://cp-a:8443,https://cp-a:8443' }));
  t.true(isOtherixError(error, 'usage'));
  t.regex(error.message, /^--cp-url: .*\(URL 2 of 2\) https:\/\/cp-a:8443 repeats URL 1/);
});

test('agent.yaml cp_url takes a list (and OTHERIX_CP_URL over it); a bad entry is config_invalid naming it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-cp-urls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'agent.yaml');
  const yaml = (cpUrl: string) =>
    `node_name: n1\ncp_url: ${JSON.stringify(cpUrl)}\nadvertised_endpoint: https://10.0.0.21:9443\nmigration:\n  host: 10.0.0.21\n`;
  await writeFile(path, yaml('https://cp-a:8443, https://cp-b:8443/'));
  t.is(loadAgentConfig({ path, env: {} }).cp_url, 'https://cp-a:8443,https://cp-b:8443');
  t.is(
    loadAgentConfig({ path, env: { OTHERIX_CP_URL: 'https://cp-c:8443,https://cp-d:8443' } }).cp_url,
    'https://cp-c:8443,https://cp-d:8443',
  );

  await writeFile(path, yaml('https://cp-a:8443,http://cp-b:8443'));
  const error = t.throws(() => loadAgentConfig({ path, env: {} }));
  t.true(isOtherixError(error, 'config_invalid'));
  t.regex(error.message, /cp_url \(URL 2 of 2\) http:\/\/cp-b:8443 must be an https:\/\/ URL/);
});
