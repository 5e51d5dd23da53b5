// The admin's view of renewal (issue 16): `otherix node get` shows the certificate's serial, its
// end and how long is left; `otherix node list --expiring-within DURATION` finds the nodes whose
// certificate ends within that time (the ones that failed to renew), with a CERT-EXPIRES column,
// and repeats the flag in its next-page command. Nodes joined through the API; the CP's clock is
// moved so that two nodes' certificates end ten days apart.
import test from 'ava';
import { createClient } from '@otherix/sdk';
import type { Node, OtherixClient } from '@otherix/sdk';
import { argvOfPrintedCommand, cliEnv, makeCliHome, tableHeader, tableRows } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';
import { movableClock, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { joinNode } from '../harness/cluster.js';

const DAY = 86_400_000;
let cp: ControlPlane;
let admin: OtherixClient;
let cli: CliHome;
let env: Record<string, string>;

test.before(async () => {
  const clock = movableClock();
  cp = await startControlPlane({ clock });
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  cli = await makeCliHome();
  env = cliEnv(cp, cp.adminToken);
  // Two nodes whose 30-day certificates end in about 20 days (signed 10 days "ago"), one ending in 30.
  clock.advance(-10 * DAY);
  await joinNode(cp, 'soon-a', { host: '10.1.0.1' });
  await joinNode(cp, 'soon-b', { host: '10.1.0.2' });
  clock.advance(10 * DAY);
  await joinNode(cp, 'later', { host: '10.1.0.3' });
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  await cli?.remove();
});

test('node get shows the certificate serial, its end, and how long is left', async (t) => {
  const node = (await admin.nodes.get('soon-a')) as Node;
  const shown = await cli.run(['node', 'get', 'soon-a'], env);
  t.is(shown.exitCode, 0, shown.stderr);
  const fields = new Map(shown.stdout.split('\n').map((line) => [line.split(':')[0], line.slice(line.indexOf(':') + 1).trim()]));
  t.is(fields.get('Certificate serial'), node.certificate.serial);
  t.is(fields.get('Certificate expires'), node.certificate.not_after.replace(/\.\d+Z$/, 'Z'));
  t.regex(fields.get('Certificate ends') ?? '', /^in (19|20)d$/);
});

test('node list --expiring-within lists the nodes whose certificate ends within that time, with when', async (t) => {
  const listed = await cli.run(['node', 'list', '--expiring-within', '25d'], env);
  t.is(listed.exitCode, 0, listed.stderr);
  t.deepEqual(tableHeader(listed.stdout), ['NAME', 'STATUS', 'ARCHITECTURE', 'ENDPOINT', 'LAST-HEARTBEAT', 'CERT-EXPIRES']);
  const rows = tableRows(listed.stdout);
  t.deepEqual(
    rows.map((row) => row[0]),
    ['soon-a', 'soon-b'],
  );
  const soonA = (await admin.nodes.get('soon-a')) as Node;
  t.is(rows[0][5], soonA.certificate.not_after.replace(/\.\d+Z$/, 'Z'));

  t.deepEqual(
    tableRows((await cli.run(['node', 'list', '--expiring-within', '31d'], env)).stdout).map((row) => row[0]),
    ['later', 'soon-a', 'soon-b'],
  );
  t.deepEqual(tableRows((await cli.run(['node', 'list', '--expiring-within', '1d12h'], env)).stdout), []);

  const json = await cli.run(['node', 'list', '--expiring-within', '25d', '--output', 'json'], env);
  t.deepEqual(
    JSON.parse(json.stdout).items.map((node: { name: string }) => node.name),
    ['soon-a', 'soon-b'],
  );

  // The next page keeps the filter.
  const first = await cli.run(['node', 'list', '--expiring-within', '25d', '--limit', '1'], env);
  const next = first.stdout.split('\n').find((line) => line.startsWith('Next page: '))!;
  t.regex(next, /--expiring-within 25d/);
  const second = await cli.run(argvOfPrintedCommand(next.slice('Next page: '.length)), env);
  t.deepEqual(
    tableRows(second.stdout).map((row) => row[0]),
    ['soon-b'],
  );
});

test('node list --expiring-within refuses what is not a duration (exit 2)', async (t) => {
  for (const bad of ['soon', '-1d', '7']) {
    const refused = await cli.run(['node', 'list', `--expiring-within=${bad}`], env);
    t.is(refused.exitCode, 2, `${bad}: ${refused.stderr}`);
    t.regex(refused.stderr, /--expiring-within must be a duration such as 7d, 36h or 30m/);
  }
});
