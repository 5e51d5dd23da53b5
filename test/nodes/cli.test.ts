// `otherix node list|get` and `node join-token consumptions`, against nodes joined through the
// SDK client with real CSRs.
import test from 'ava';
import { createClient } from '@otherix/sdk';
import { createCsr, exportPrivateKeyPem, generateNodeKeyPair } from '@otherix/sdk/pki';
import type { JoinResponse, OtherixClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { cliEnv, followNextPages, makeCliHome, tableHeader, tableRows } from '../harness/cli.js';
import { TEST_HARDWARE } from '../harness/cluster.js';
import type { CliHome } from '../harness/cli.js';

let cp: ControlPlane;
let admin: OtherixClient;
let cli: CliHome;
let adminEnv: Record<string, string>;
let viewerEnv: Record<string, string>;
let fleetTokenId: string;
const joined: JoinResponse[] = [];
const keyPems: string[] = [];

async function joinNode(
  client: OtherixClient,
  token: string,
  name: string,
  index: number,
  architecture: string,
): Promise<JoinResponse & { keyPem: string }> {
  const keys = await generateNodeKeyPair();
  const csrPem = await createCsr(keys, name);
  const keyPem = await exportPrivateKeyPem(keys);
  const response = await client.nodes.join({
    token,
    node_name: name,
    csr_pem: csrPem,
    advertised_endpoint: `https://10.0.0.${index}:9443`,
    migration: { host: `10.0.0.${index}`, port_range_start: 49152, port_range_end: 49251 },
    architecture,
    agent_version: '0.1.0-test',
  });
  return { ...response, keyPem };
}

test.before(async () => {
  cp = await startControlPlane();
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  cli = await makeCliHome();
  adminEnv = cliEnv(cp, cp.adminToken);
  const viewer = await admin.apiTokens.create({ name: 'nodes-viewer', role: 'viewer' });
  viewerEnv = { ...adminEnv, OTHERIX_TOKEN: viewer.token };

  const fleet = await admin.joinTokens.create({ max_uses: 0, ttl_seconds: 3600 });
  fleetTokenId = fleet.id;
  const joiner = createClient({ cpUrl: cp.url, caPem: cp.caPem });
  const names = ['node-a', 'node-b', 'node-c', 'node-d'];
  for (const [index, name] of names.entries()) {
    const { keyPem, ...response } = await joinNode(joiner, fleet.token, name, index + 11, index % 2 === 0 ? 'amd64' : 'arm64');
    joined.push(response);
    keyPems.push(keyPem);
  }
  await joiner.close();

  // node-a heartbeats once over mTLS with its own certificate: ready, with hardware.
  const nodeA = createClient({
    cpUrl: cp.url,
    caPem: cp.caPem,
    clientCertificate: { certPem: joined[0].certificate_pem, keyPem: keyPems[0] },
  });
  await nodeA.nodes.heartbeat({
    architecture: 'amd64',
    agent_version: '0.1.0-test',
    heartbeat_interval_seconds: 3600,
    hardware: TEST_HARDWARE,
    vm_count: 2,
    active_migrations: 1,
  });
  await nodeA.close();
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  await cli?.remove();
});

test('node list shows name, status, architecture, endpoint and last heartbeat; ids only with --show-ids', async (t) => {
  const run = await cli.run(['node', 'list'], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  t.deepEqual(tableHeader(run.stdout), ['NAME', 'STATUS', 'ARCHITECTURE', 'ENDPOINT', 'LAST-HEARTBEAT']);
  const rows = tableRows(run.stdout);
  t.deepEqual(rows[0].slice(0, 4), ['node-a', 'ready', 'amd64', 'https://10.0.0.11:9443']);
  t.regex(rows[0][4], /^(\d+m)?\d+s ago$/);
  t.deepEqual(rows.slice(1), [
    ['node-b', 'pending', 'arm64', 'https://10.0.0.12:9443', 'never'],
    ['node-c', 'pending', 'amd64', 'https://10.0.0.13:9443', 'never'],
    ['node-d', 'pending', 'arm64', 'https://10.0.0.14:9443', 'never'],
  ]);
  for (const response of joined) t.false(run.stdout.includes(response.node.id));

  const withIds = await cli.run(['node', 'list', '--show-ids'], adminEnv);
  t.deepEqual(tableHeader(withIds.stdout), ['ID', 'NAME', 'STATUS', 'ARCHITECTURE', 'ENDPOINT', 'LAST-HEARTBEAT']);
  t.deepEqual(
    tableRows(withIds.stdout).map((cells) => cells[0]),
    joined.map((response) => response.node.id),
  );
});

test('an empty node list has the columns of the projection the role receives', async (t) => {
  const none = ['node', 'list', '--architecture', 'riscv64'];
  const forAdmin = await cli.run(none, adminEnv);
  t.is(forAdmin.exitCode, 0, forAdmin.stderr);
  t.deepEqual(tableHeader(forAdmin.stdout), ['NAME', 'STATUS', 'ARCHITECTURE', 'ENDPOINT', 'LAST-HEARTBEAT']);
  t.deepEqual(tableRows(forAdmin.stdout), []);
  const forViewer = await cli.run(none, viewerEnv);
  t.is(forViewer.exitCode, 0, forViewer.stderr);
  t.deepEqual(
    tableHeader(forViewer.stdout),
    ['NAME', 'STATUS', 'ARCHITECTURE', 'LAST-HEARTBEAT'],
    'a viewer never sees the endpoint column',
  );
  t.deepEqual(JSON.parse((await cli.run([...none, '--output', 'json'], viewerEnv)).stdout), {
    projection: 'summary',
    items: [],
    next_cursor: null,
  });
});

test('node list filters by --architecture and --status', async (t) => {
  const arm = await cli.run(['node', 'list', '--architecture', 'arm64'], adminEnv);
  t.deepEqual(
    tableRows(arm.stdout).map((cells) => cells[0]),
    ['node-b', 'node-d'],
  );
  const ready = await cli.run(['node', 'list', '--status', 'ready'], adminEnv);
  t.is(ready.exitCode, 0, ready.stderr);
  t.deepEqual(
    tableRows(ready.stdout).map((cells) => cells[0]),
    ['node-a'],
  );
  const pendingAmd = await cli.run(['node', 'list', '--status', 'pending', '--architecture', 'amd64'], adminEnv);
  t.deepEqual(
    tableRows(pendingAmd.stdout).map((cells) => cells[0]),
    ['node-c'],
  );
});

test('node list --output json equals the API body, for the full and the reduced projection', async (t) => {
  const full = await cli.run(['node', 'list', '--output', 'json'], adminEnv);
  t.deepEqual(JSON.parse(full.stdout), await admin.nodes.list());
  const viewer = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: viewerEnv['OTHERIX_TOKEN'] });
  t.teardown(() => viewer.close());
  const reduced = await cli.run(['node', 'list', '--output', 'json'], viewerEnv);
  t.deepEqual(JSON.parse(reduced.stdout), await viewer.nodes.list());
  t.false('advertised_endpoint' in (JSON.parse(reduced.stdout) as { items: object[] }).items[0]);
});

test("flags may come before or between the command words, and a flag's value is never read as one", async (t) => {
  const usual = await cli.run(['node', 'list', '--output', 'json', '--architecture', 'amd64'], adminEnv);
  t.is(usual.exitCode, 0, usual.stderr);
  for (const args of [
    ['--output', 'json', 'node', 'list', '--architecture', 'amd64'],
    ['--output', 'json', '--architecture', 'amd64', 'node', 'list'],
    ['node', '--architecture', 'amd64', 'list', '--output=json'],
  ]) {
    const run = await cli.run(args, adminEnv);
    t.is(run.exitCode, 0, `${args.join(' ')}: ${run.stderr}`);
    t.deepEqual(JSON.parse(run.stdout), JSON.parse(usual.stdout), args.join(' '));
  }
  // A positional argument after flags is still the command's: `node get <name>`.
  const got = await cli.run(['--output', 'json', 'node', 'get', 'node-a'], adminEnv);
  t.is(got.exitCode, 0, got.stderr);
  t.is((JSON.parse(got.stdout) as { name: string }).name, 'node-a');
});

test('a viewer sees the reduced table without the endpoint column', async (t) => {
  const run = await cli.run(['node', 'list'], viewerEnv);
  t.is(run.exitCode, 0, run.stderr);
  t.deepEqual(tableHeader(run.stdout), ['NAME', 'STATUS', 'ARCHITECTURE', 'LAST-HEARTBEAT']);
  t.deepEqual(tableRows(run.stdout)[1], ['node-b', 'pending', 'arm64', 'never']);
});

test('node list pages follow the printed next-page command, filters kept', async (t) => {
  const args = ['node', 'list', '--architecture', 'amd64', '--limit', '1'];
  const pages = await followNextPages(
    t,
    cli,
    adminEnv,
    args,
    /^Next page: otherix node list --architecture amd64 --cursor[ =]\S+ --limit 1$/,
  );
  t.deepEqual(
    pages.flatMap((stdout) => tableRows(stdout).map((cells) => cells[0])),
    ['node-a', 'node-c'],
  );
});

test('node get shows the whole full projection to an admin, ids only with --show-ids', async (t) => {
  const node = joined[0].node;
  const run = await cli.run(['node', 'get', 'node-a'], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  const fields = new Map(
    run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => {
        const [label, ...value] = line.split(':');
        return [label.trim(), value.join(':').trim()];
      }),
  );
  const expected: Record<string, string> = {
    Name: 'node-a',
    Status: 'ready',
    Architecture: 'amd64',
    Endpoint: 'https://10.0.0.11:9443',
    Migration: '10.0.0.11 ports 49152-49251',
    'Agent version': '0.1.0-test',
    VMs: '2',
    'Active migrations': '1',
    'Certificate serial': node.certificate.serial,
    'Certificate expires': node.certificate.not_after.replace(/\.\d+Z$/, 'Z'),
    Hardware: '',
    CPU: 'Test CPU @ 3.0GHz (8 CPUs)',
    Memory: '16.0 GiB',
    KVM: 'present',
    'Host name': 'host-under-test',
    Kernel: '6.1.0-test',
  };
  for (const [label, value] of Object.entries(expected)) t.is(fields.get(label), value, label);
  t.regex(fields.get('Last heartbeat')!, /^(\d+m)?\d+s ago \(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\)$/);

  const pending = await cli.run(['node', 'get', 'node-c'], adminEnv);
  t.regex(pending.stdout, /^Last heartbeat: +never$/m);
  t.regex(pending.stdout, /^Hardware: +not reported yet \(no heartbeat\)$/m);
  t.false(fields.has('ID'));
  t.false(run.stdout.includes(node.id));

  const withIds = await cli.run(['node', 'get', 'node-a', '--show-ids'], adminEnv);
  t.regex(withIds.stdout, new RegExp(`^ID: +${node.id}$`, 'm'));
});

test('node get --output json equals the API body; a viewer gets the summary', async (t) => {
  const full = await cli.run(['node', 'get', 'node-b', '--output', 'json'], adminEnv);
  t.deepEqual(JSON.parse(full.stdout), await admin.nodes.get('node-b'));
  const summary = await cli.run(['node', 'get', 'node-b', '--output', 'json'], viewerEnv);
  t.deepEqual(Object.keys(JSON.parse(summary.stdout)).sort(), ['architecture', 'id', 'last_heartbeat_at', 'name', 'projection', 'status']);
  const text = await cli.run(['node', 'get', 'node-b'], viewerEnv);
  t.is(text.exitCode, 0, text.stderr);
  t.false(text.stdout.includes('Endpoint'));
  t.regex(text.stdout, /^Status: +pending$/m);
});

test('node get with a UUID is exit 1 validation_failed; an unknown name is exit 1 not_found', async (t) => {
  const byId = await cli.run(['node', 'get', joined[0].node.id], adminEnv);
  t.is(byId.exitCode, 1);
  t.regex(byId.stderr, /^error: validation_failed: [^\n]+\n$/);
  const unknown = await cli.run(['node', 'get', 'no-such-node'], adminEnv);
  t.is(unknown.exitCode, 1);
  t.regex(unknown.stderr, /^error: not_found: [^\n]+\n$/);
});

test('consumptions renders the seed columns, one row per redemption, and JSON equals the API body', async (t) => {
  const run = await cli.run(['node', 'join-token', 'consumptions', fleetTokenId], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  t.deepEqual(tableHeader(run.stdout), ['ID', 'NODE-ID', 'CONSUMED-AT', 'SOURCE-IP']);
  const rows = tableRows(run.stdout);
  t.deepEqual(
    rows.map((cells) => cells[1]),
    joined.map((response) => response.node.id),
  );
  for (const cells of rows) {
    t.regex(cells[2], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    t.regex(cells[3], /127\.0\.0\.1/);
  }
  const json = await cli.run(['node', 'join-token', 'consumptions', fleetTokenId, '--output', 'json'], adminEnv);
  t.deepEqual(JSON.parse(json.stdout), await admin.joinTokens.consumptions(fleetTokenId));

  const list = await cli.run(['node', 'join-token', 'list'], adminEnv);
  const row = tableRows(list.stdout).find((cells) => cells[0] === fleetTokenId);
  t.deepEqual(row?.slice(3, 5), ['unlimited', '4']);
});

test('consumptions pages follow the printed next-page command', async (t) => {
  const args = ['node', 'join-token', 'consumptions', fleetTokenId, '--limit', '3'];
  const nextPage = new RegExp(`^Next page: otherix node join-token consumptions ${fleetTokenId} --cursor[ =]\\S+ --limit 3$`);
  const pages = await followNextPages(t, cli, adminEnv, args, nextPage);
  t.deepEqual(
    pages.flatMap((stdout) => tableRows(stdout).map((cells) => cells[1])),
    joined.map((response) => response.node.id),
  );
});
