// HOST:PORT, the address a server binds, read one way by the CP (--listen), the agent
// (agent.yaml's listen) and bootstrap (--listen): the SDK's readListenAddress.
import test from 'ava';
import { formatHostPort, readListenAddress } from '@otherix/sdk/internal';
import { parseListenAddress as agentListen } from '@otherix/agent/dist/runtime/listen-address.js';
import { bootstrapArgs, runAgent } from '../harness/agent.js';
import { runServerBinary } from '../harness/control-plane.js';

test('an IP address (IPv6 in brackets) or a DNS name, and a port from 0 to 65535', (t) => {
  t.deepEqual(readListenAddress('0.0.0.0:8443'), { ok: true, address: { host: '0.0.0.0', port: 8443 } });
  t.deepEqual(readListenAddress('[::]:9443'), { ok: true, address: { host: '::', port: 9443 } });
  t.deepEqual(readListenAddress('[fd00::1]:0'), { ok: true, address: { host: 'fd00::1', port: 0 } });
  t.deepEqual(readListenAddress('localhost:65535'), { ok: true, address: { host: 'localhost', port: 65535 } });
  t.deepEqual(readListenAddress(' cp.example.test:1 '), { ok: true, address: { host: 'cp.example.test', port: 1 } });
});

test('anything else says whether its shape or its host is wrong', (t) => {
  for (const text of ['9443', 'host', 'host:', 'host:70000', 'host:-1', 'host:8443/x', '::1:8443', ':::8443', '[::1]8443', 'a:b:c']) {
    t.deepEqual(readListenAddress(text), { ok: false, problem: { kind: 'shape' } }, text);
  }
  const wildcard = readListenAddress('*:8443');
  t.like(wildcard, { ok: false, problem: { kind: 'host', host: '*' } });
  t.like(readListenAddress(':8443'), {
    ok: false,
    problem: { kind: 'host', host: '', problem: 'is empty: give a host name or an IP address' },
  });
  t.like(readListenAddress('[10.0.0.1]:8443'), {
    ok: false,
    problem: { kind: 'host', problem: 'is in brackets but is not an IPv6 address' },
  });
  t.like(readListenAddress('node_1:8443'), { ok: false, problem: { kind: 'host', host: 'node_1' } });
});

test('host and port print back in the form they are read in', (t) => {
  t.is(formatHostPort('::1', 8443), '[::1]:8443');
  t.is(formatHostPort('127.0.0.1', 0), '127.0.0.1:0');
  t.is(formatHostPort('cp.example.test', 443), 'cp.example.test:443');
});

// One reading: what the SDK refuses, every shell refuses, each in its own words and code.
const REFUSED = [':::8443', 'node_1:9443', '*:9443', 'host:70000'];

test('the agent refuses what the SDK refuses, as config_invalid; bootstrap as usage (exit 2)', async (t) => {
  for (const listen of REFUSED) {
    t.throws(() => agentListen(listen), { code: 'config_invalid', message: /must be HOST:PORT/ }, listen);
    const args = bootstrapArgs({
      cpUrl: 'https://127.0.0.1:1',
      caFingerprint: `sha256:${'ab'.repeat(32)}`,
      nodeName: 'listen-node',
      certDir: '/nonexistent/certs',
      configPath: '/nonexistent/agent.yaml',
    });
    const run = await runAgent([...args, '--listen', listen, '--token-env', 'T'], { env: { T: `otx_join_${'A'.repeat(43)}` } });
    t.is(run.exitCode, 2, `${listen}: ${run.stderr}`);
    t.true(run.stderr.startsWith('error: usage: --listen '), run.stderr);
  }
  t.deepEqual(agentListen('[::]:9443'), { host: '::', port: 9443 });
});

test('otherix-server refuses what the SDK refuses: exit 2, naming --listen', async (t) => {
  for (const listen of REFUSED) {
    const run = await runServerBinary(['serve', '--listen', listen]);
    t.is(run.code, 2, `${listen}: ${run.stderr}`);
    t.regex(run.stderr, /^error: (usage|config_invalid): --listen /, run.stderr);
    t.true(run.stderr.includes(`--listen ${listen}: expected HOST:PORT`), run.stderr);
  }
});
