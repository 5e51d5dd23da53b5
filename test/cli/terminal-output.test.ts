// No terminal control character reaches a terminal (issue 12): whatever a node or a joiner
// wrote (hardware, agent version, endpoint) is shown by the CLI with C0, DEL, C1 and
// bidirectional controls escaped, in tables, in `node get` and in error lines; `--output json`
// prints the API body unchanged. Today's API refuses such text (test/contract/request-validation.test.ts), so the
// rows here are written as an older CP would have stored them.
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createClient } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';
import { api, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { cliEnv, makeCliHome, tableRows } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';
import { redeemJoinTokens } from '@otherix/server';
import { insertJoinToken, nodeRow, redemptionAttempt } from '../harness/store-rows.js';
import { mintCa, mintServerCert } from '../harness/impostor-server.js';

let cp: ControlPlane;
let admin: OtherixClient;
let cli: CliHome;
let env: Record<string, string>;

// An OSC sequence (set the window title, then BEL), a screen clear, a C1 CSI, DEL, a line
// break that would forge a row, and a right-to-left override.
const HOSTILE = {
  cpu_model: 'Evil \u001b]0;owned\u0007 CPU \u001b[2J',
  hostname: 'host\u009b31mred',
  kernel: '6.1\u007f\nforged row',
  agentVersion: '1.0\u202egnp.exe',
  endpoint: 'https://10.0.0.9:9443/\u001b[31mred',
};

/** Every byte a terminal would act on: C0 but the line break, DEL, C1, and the bidi controls. */
// eslint-disable-next-line no-control-regex -- the pattern exists to find control characters
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test.before(async () => {
  cp = await startControlPlane();
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  cli = await makeCliHome();
  env = cliEnv(cp, cp.adminToken);
  // Through the store, as an older CP that took this text would have stored it.
  const now = cp.clock.now();
  const token = await insertJoinToken(cp.store, now, { nodeName: 'hostile' });
  const row = nodeRow(1, {
    id: randomUUID(),
    name: 'hostile',
    advertisedEndpoint: HOSTILE.endpoint,
    endpointHost: '10.0.0.9',
    migrationHost: '10.0.0.9',
    certNotAfter: now + 365 * 86_400_000,
    createdAt: now,
  });
  const [joined] = await redeemJoinTokens(cp.store, [redemptionAttempt(token, row, now, ['10.0.0.9'])]);
  if (!joined.ok) throw new Error(`the hostile node was not stored: ${String(joined.error)}`);
  await cp.store.nodes.recordHeartbeats([
    {
      nodeId: row.id,
      certSerial: row.certSerial,
      architecture: 'amd64',
      agentVersion: HOSTILE.agentVersion,
      heartbeatIntervalMs: 3_600_000,
      hardwareJson: JSON.stringify({
        cpu_model: HOSTILE.cpu_model,
        cpu_count: 4,
        memory_bytes: 1024 ** 3,
        kvm_present: true,
        hostname: HOSTILE.hostname,
        kernel: HOSTILE.kernel,
      }),
      vmCount: 0,
      activeMigrations: 0,
      at: now,
    },
  ]);
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  await cli?.remove();
});

test('node get shows every node-written field with its control characters escaped', async (t) => {
  const run = await cli.run(['node', 'get', 'hostile'], env);
  t.is(run.exitCode, 0, run.stderr);
  t.false(RAW_CONTROL.test(run.stdout), JSON.stringify(run.stdout));
  t.regex(run.stdout, /^ {2}CPU: +Evil \\x1b\]0;owned\\x07 CPU \\x1b\[2J \(4 CPUs\)$/m);
  t.regex(run.stdout, /^ {2}Host name: +host\\x9b31mred$/m);
  t.regex(run.stdout, /^ {2}Kernel: +6\.1\\x7f\\x0aforged row$/m, 'the line break stays in its field');
  t.regex(run.stdout, /^Agent version: +1\.0\\u202egnp\.exe$/m);
  t.regex(run.stdout, /^Endpoint: +https:\/\/10\.0\.0\.9:9443\/\\x1b\[31mred$/m);
});

test('node list shows the endpoint escaped, one row per node', async (t) => {
  const run = await cli.run(['node', 'list'], env);
  t.is(run.exitCode, 0, run.stderr);
  t.false(RAW_CONTROL.test(run.stdout), JSON.stringify(run.stdout));
  const rows = tableRows(run.stdout);
  t.is(rows.length, 1);
  t.is(rows[0][3], 'https://10.0.0.9:9443/\\x1b[31mred');
});

test('--output json is the API body unchanged, control characters and all', async (t) => {
  const got = await cli.run(['node', 'get', 'hostile', '--output', 'json'], env);
  t.is(got.exitCode, 0, got.stderr);
  const body = await api(cp, 'GET', '/v1/nodes/hostile', { token: cp.adminToken });
  t.deepEqual(JSON.parse(got.stdout), body.body);
  t.is(got.stdout, `${JSON.stringify(body.body, null, 2)}\n`);
  t.is((JSON.parse(got.stdout) as { hardware: { cpu_model: string } }).hardware.cpu_model, HOSTILE.cpu_model);
  const listed = await cli.run(['node', 'list', '--output', 'json'], env);
  t.deepEqual(JSON.parse(listed.stdout), await admin.nodes.list());
});

test('an error line never carries a raw control character', async (t) => {
  const run = await cli.run(['whoami'], { ...env, OTHERIX_CP_URL: `${cp.url}/\u001b]0;owned\u0007` });
  t.is(run.exitCode, 2);
  t.false(RAW_CONTROL.test(run.stderr), JSON.stringify(run.stderr));
  t.true(run.stderr.includes('\\x1b]0;owned\\x07'), run.stderr);
});

// Before the pin holds, anyone at --cp-url answers: its error body's code is printed too.
test('an error code a server made up reaches the terminal escaped', async (t) => {
  const ca = mintCa('not the control plane');
  const serving = mintServerCert(ca, 'spiffe://otherix/control-plane');
  const server = createServer({ key: serving.keyPem, cert: serving.certPem }, (_request, response) => {
    response.statusCode = 500;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ error: { code: 'x\u001b]0;owned\u0007\u009b2J', message: 'made up' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = await cli.run(['login', '--cp-url', url, '--ca-fingerprint', ca.fingerprint, '--token', cp.adminToken]);
    t.is(run.exitCode, 1);
    t.false(RAW_CONTROL.test(run.stderr), JSON.stringify(run.stderr));
    t.true(run.stderr.includes('x\\x1b]0;owned\\x07\\x9b2J'), run.stderr);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
