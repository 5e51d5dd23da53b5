// `otherix node join-token create|list|revoke`: the real binary against a real CP. Serial: the
// list and pagination tests compare with everything minted so far.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { createClient } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { cliEnv, followNextPages, makeCliHome, tableHeader, tableRows } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';

let cp: ControlPlane;
let admin: OtherixClient;
let cli: CliHome;
let adminEnv: Record<string, string>;

test.before(async () => {
  cp = await startControlPlane();
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  cli = await makeCliHome();
  adminEnv = cliEnv(cp, cp.adminToken);
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  await cli?.remove();
});

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const FINGERPRINT = 'sha256:[0-9a-f]{64}';
const TIMESTAMP = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z';

/** The seed's block, line by line, with the variable parts as patterns. */
function mintBlock(ttl: string, maxUses: string, boundTo?: string): RegExp[] {
  const lines = [
    `Token created \\(id: (${UUID})\\):`,
    '  (otx_join_[A-Za-z0-9_-]{43})',
    'CA fingerprint:',
    `  (${FINGERPRINT})`,
    'Save BOTH NOW - server stores only hash, plaintext cannot be retrieved\\.',
    'Pass to agent via OTHERIX_BOOTSTRAP__TOKEN \\+ OTHERIX_BOOTSTRAP__CA_FINGERPRINT \\(koanf double-underscore nesting\\)\\.',
    `Expires: (${TIMESTAMP}) \\(TTL: ${ttl}\\)\\.`,
    `Max uses: ${maxUses}\\.`,
  ];
  if (boundTo !== undefined) lines.push(`Bound to node-name: ${boundTo} \\(single-use\\)\\.`);
  return lines.map((line) => new RegExp(`^${line}$`));
}

function assertBlock(t: ExecutionContext, stdout: string, expected: RegExp[]): string[] {
  const lines = stdout.replace(/\n$/, '').split('\n');
  t.is(lines.length, expected.length, stdout);
  lines.forEach((line, index) => t.regex(line, expected[index]));
  return lines;
}

test.serial('a token bound to a node name prints the seed block with the Bound line and TTL 10m0s', async (t) => {
  const run = await cli.run(['node', 'join-token', 'create', '--node-name', 'node-1', '--ttl', '10m'], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  const lines = assertBlock(t, run.stdout, mintBlock('10m0s', '1', 'node-1'));
  t.is(lines[3].trim(), cp.caFingerprint);
  const id = lines[0].match(new RegExp(UUID))![0];
  const [listed] = (await admin.joinTokens.list()).items.filter((token) => token.id === id);
  t.is(listed?.node_name, 'node-1');
  t.is(listed?.max_uses, 1);
  // Expires is the API's expires_at without milliseconds.
  t.is(lines[6].slice('Expires: '.length, 'Expires: '.length + 20), listed.expires_at.replace(/\.\d+Z$/, 'Z'));
});

test.serial('a capped fleet token says its cap and has no Bound line', async (t) => {
  const run = await cli.run(['node', 'join-token', 'create', '--max-uses', '5', '--ttl', '2h'], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  assertBlock(t, run.stdout, mintBlock('2h0m0s', '5'));
});

test.serial('an unlimited token (the default) reads as unlimited with the default TTL of 1h', async (t) => {
  const run = await cli.run(['node', 'join-token', 'create'], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  assertBlock(t, run.stdout, mintBlock('1h0m0s', '0 \\(unlimited\\)'));
});

test.serial('the TTL shown is the clamped one: 30s and 500ms become 1m0s, 48h and 1000000h become 24h0m0s', async (t) => {
  for (const [ttl, shown] of [
    ['30s', '1m0s'],
    ['48h', '24h0m0s'],
    ['500ms', '1m0s'],
    ['1000000h', '24h0m0s'],
  ]) {
    const run = await cli.run(['node', 'join-token', 'create', '--ttl', ttl], adminEnv);
    t.is(run.exitCode, 0, run.stderr);
    assertBlock(t, run.stdout, mintBlock(shown, '0 \\(unlimited\\)'));
  }
});

test.serial('create --output json prints the API body: every field of JoinTokenCreated, pretty-printed as sent', async (t) => {
  const run = await cli.run(['node', 'join-token', 'create', '--node-name', 'json-node', '--output', 'json'], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  const body = JSON.parse(run.stdout) as Record<string, unknown>;
  t.deepEqual(Object.keys(body).sort(), [
    'ca_fingerprint',
    'created_at',
    'created_by',
    'expires_at',
    'id',
    'max_uses',
    'node_name',
    'token',
    'ttl_seconds',
  ]);
  t.is(body['ttl_seconds'], 3600);
  t.is(body['max_uses'], 1);
  t.is(body['ca_fingerprint'], cp.caFingerprint);
  t.is(run.stdout, `${JSON.stringify(body, null, 2)}\n`);
});

test.serial('list renders the seed columns, and --output json equals the API body', async (t) => {
  const created = await admin.joinTokens.create({ node_name: 'list-node', ttl_seconds: 600, max_uses: 1 });
  const table = await cli.run(['node', 'join-token', 'list'], adminEnv);
  t.is(table.exitCode, 0, table.stderr);
  t.deepEqual(tableHeader(table.stdout), ['ID', 'NODE-NAME', 'TTL-REMAINING', 'MAX-USES', 'CONSUMED', 'CREATED-BY']);
  const row = tableRows(table.stdout).find((cells) => cells[0] === created.id);
  t.truthy(row, table.stdout);
  t.is(row![1], 'list-node');
  // Counts down from 10m0s in real time: any remaining time up to 10m0s, in the seed's format.
  t.regex(row![2], /^(10m0s|[1-9]m[1-5]?\ds|[1-5]?\ds)$/);
  t.is(row![3], '1');
  t.is(row![4], '0');
  t.is(row![5], created.created_by);

  // --include-expired on both sides: the 1m token of the clamp test may expire in between.
  const json = await cli.run(['node', 'join-token', 'list', '--include-expired', '--output', 'json'], adminEnv);
  t.is(json.exitCode, 0, json.stderr);
  const direct = await admin.joinTokens.list({ include_expired: true });
  // ttl_remaining_seconds moves with the clock; everything else must be identical.
  const printed = JSON.parse(json.stdout) as typeof direct;
  const stable = (page: typeof direct) => ({ ...page, items: page.items.map((item) => ({ ...item, ttl_remaining_seconds: 0 })) });
  t.deepEqual(stable(printed), stable(direct));
  // The CLI's read came first, so its remaining time is never below the later API read's.
  const later = new Map(direct.items.map((item) => [item.id, item.ttl_remaining_seconds]));
  for (const item of printed.items) t.true(item.ttl_remaining_seconds >= later.get(item.id)!, `${item.id}: ${item.ttl_remaining_seconds}`);
});

test.serial('pagination: following each printed "Next page" command visits every token exactly once', async (t) => {
  const paging = await makeCliHome();
  t.teardown(() => paging.remove());
  for (let index = 0; index < 5; index++) await admin.joinTokens.create({ max_uses: index, ttl_seconds: 3600 });
  // Expired tokens included, so a short TTL running out while paging moves nothing.
  const all = (await admin.joinTokens.list({ limit: 500, include_expired: true })).items.map((token) => token.id);
  t.true(all.length >= 5);

  const args = ['node', 'join-token', 'list', '--include-expired', '--limit', '2'];
  const nextPage = /^Next page: otherix node join-token list --include-expired --cursor[ =]\S+ --limit 2$/;
  const seen: string[] = [];
  for (const stdout of await followNextPages(t, paging, adminEnv, args, nextPage, 100)) {
    t.deepEqual(tableHeader(stdout), ['ID', 'NODE-NAME', 'TTL-REMAINING', 'MAX-USES', 'CONSUMED', 'CREATED-BY']);
    const rows = tableRows(stdout);
    t.true(rows.length <= 2);
    seen.push(...rows.map((cells) => cells[0]));
  }
  t.deepEqual(seen, all);
});

test.serial('revoke by id, then the token is listed as revoked', async (t) => {
  const created = await admin.joinTokens.create({ max_uses: 3, ttl_seconds: 3600 });
  const run = await cli.run(['node', 'join-token', 'revoke', created.id], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  t.is(run.stdout, `Join token ${created.id} revoked (consumed 0 times).\n`);
  const listed = (await admin.joinTokens.list({ limit: 500 })).items.find((token) => token.id === created.id);
  t.true(listed?.revoked);
  const table = await cli.run(['node', 'join-token', 'list', '--limit', '500'], adminEnv);
  t.is(tableRows(table.stdout).find((cells) => cells[0] === created.id)?.[2], 'revoked');
});

test.serial('revoking an unknown token id is exit 1 not_found', async (t) => {
  const run = await cli.run(['node', 'join-token', 'revoke', '00000000-0000-4000-8000-000000000000'], adminEnv);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /^error: not_found: .+\n$/);
});

// Last in this file: it moves the CP's clock past every TTL minted so far.
test.serial('expired tokens: hidden from list unless --include-expired, shown as expired, revoke is exit 1 conflict', async (t) => {
  const created = await admin.joinTokens.create({ ttl_seconds: 60, max_uses: 0 });
  cp.clock.advance(25 * 3600 * 1000);
  const visible = await cli.run(['node', 'join-token', 'list', '--limit', '500'], adminEnv);
  t.is(visible.exitCode, 0, visible.stderr);
  t.false(visible.stdout.includes(created.id));
  const all = await cli.run(['node', 'join-token', 'list', '--include-expired', '--limit', '500'], adminEnv);
  const row = tableRows(all.stdout).find((cells) => cells[0] === created.id);
  t.is(row?.[2], 'expired');
  const revoke = await cli.run(['node', 'join-token', 'revoke', created.id], adminEnv);
  t.is(revoke.exitCode, 1);
  t.regex(revoke.stderr, /^error: conflict: [^\n]+\n$/);
});
