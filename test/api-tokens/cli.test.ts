// `otherix api-token create|list|revoke` (admin): the token is printed once and works.
import test from 'ava';
import { controlPlaneForFile } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { cliEnv, makeCliHome, tableHeader, tableRows } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';

let cp: ControlPlane;
let cli: CliHome;
let adminEnv: Record<string, string>;

controlPlaneForFile(test, async (started) => {
  cp = started;
  cli = await makeCliHome();
  adminEnv = cliEnv(cp, cp.adminToken);
});

test.after.always(async () => {
  await cli?.remove();
});

test.serial('create prints the token once with a save-it-now line; the token works with its role', async (t) => {
  const run = await cli.run(['api-token', 'create', '--name', 'ci-bot', '--role', 'operator', '--ttl', '720h'], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  t.regex(lines[0], /^API token created \(id: [0-9a-f-]{36}\):$/);
  t.regex(lines[1], /^ {2}otx_api_[A-Za-z0-9_-]{43}$/);
  t.is(lines[2], 'Name: ci-bot. Role: operator.');
  t.regex(lines[3], /^Expires: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\.$/);
  t.is(lines[4], 'Save it NOW - server stores only hash, plaintext cannot be retrieved.');

  const whoami = await cli.run(['whoami'], { ...adminEnv, OTHERIX_TOKEN: lines[1].trim() });
  t.is(whoami.stdout, 'Name: ci-bot\nRole: operator\n');
});

test.serial('list shows the tokens; revoke stops one from working', async (t) => {
  const created = JSON.parse(
    (await cli.run(['api-token', 'create', '--name', 'short-lived', '--role', 'viewer', '--output', 'json'], adminEnv)).stdout,
  ) as {
    id: string;
    token: string;
    expires_at: string | null;
  };
  t.is(created.expires_at, null);

  const list = await cli.run(['api-token', 'list'], adminEnv);
  t.is(list.exitCode, 0, list.stderr);
  t.deepEqual(tableHeader(list.stdout), ['ID', 'NAME', 'ROLE', 'EXPIRES', 'REVOKED', 'CREATED-BY']);
  const row = tableRows(list.stdout).find((cells) => cells[0] === created.id);
  t.deepEqual(row?.slice(1, 5), ['short-lived', 'viewer', 'never', 'no']);

  const revoke = await cli.run(['api-token', 'revoke', created.id], adminEnv);
  t.is(revoke.exitCode, 0, revoke.stderr);
  t.is(revoke.stdout, `API token ${created.id} (short-lived, viewer) revoked.\n`);

  const refused = await cli.run(['whoami'], { ...adminEnv, OTHERIX_TOKEN: created.token });
  t.is(refused.exitCode, 1);
  t.regex(refused.stderr, /^error: unauthenticated: /);
  const after = await cli.run(['api-token', 'list', '--output', 'json'], adminEnv);
  const listed = (JSON.parse(after.stdout) as { items: { id: string; revoked: boolean }[] }).items.find((item) => item.id === created.id);
  t.is(listed?.revoked, true);
});

test.serial('revoking the last live admin token is refused with what to do instead', async (t) => {
  const list = JSON.parse((await cli.run(['api-token', 'list', '--output', 'json'], adminEnv)).stdout) as {
    items: { id: string; name: string }[];
  };
  const admin = list.items.find((item) => item.name === 'admin')!;
  const refused = await cli.run(['api-token', 'revoke', admin.id], adminEnv);
  t.is(refused.exitCode, 1);
  t.is(refused.stdout, '');
  t.regex(
    refused.stderr,
    /^error: conflict: admin is the last live admin API token: .*otherix api-token create --name NAME --role admin.*\n$/,
  );
  t.is((await cli.run(['whoami'], adminEnv)).exitCode, 0);
});
