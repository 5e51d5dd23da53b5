// `otherix node join-token create --print-bootstrap-command` (issue 17 item 5): after the seed's
// mint block, unchanged, the `otherix-agent bootstrap` command for this CP (the URL the CLI used,
// the CA fingerprint, the token from OTHERIX_BOOTSTRAP__TOKEN, never on the command line, and
// placeholders for what only the host knows). Run as printed in a real bash, with the
// placeholders filled in and the token pasted at its prompt, the real agent joins the node, and
// serve brings it to ready. Left unfilled, the agent refuses the placeholders and nothing is
// redeemed. Without the flag the block is exactly the seed's (cli.test.ts).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { createClient } from '@otherix/sdk';
import type { Node, OtherixClient } from '@otherix/sdk';
import { makeNodeHost, startServe } from '../harness/agent.js';
import type { NodeHost } from '../harness/agent.js';
import { cliEnv, makeCliHome } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';
import { startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane } from '../harness/control-plane.js';
import { freePort } from '../harness/loopback.js';
import { nodeReaches } from '../harness/served-node.js';
import { makeShell } from '../harness/shell.js';
import type { Shell } from '../harness/shell.js';

let cp: ControlPlane;
let admin: OtherixClient;
let cli: CliHome;
let shell: Shell;
let adminEnv: Record<string, string>;
const hosts: NodeHost[] = [];

test.before(async () => {
  cp = await startControlPlane();
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  cli = await makeCliHome();
  shell = await makeShell();
  adminEnv = cliEnv(cp, cp.adminToken);
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  await cli?.remove();
  await shell?.remove();
  for (const host of hosts) await host.remove();
});

interface Printed {
  block: string[];
  heading: string;
  /** The shell lines after the heading, as printed. */
  snippet: string;
  token: string;
  tokenId: string;
  stderr: string;
}

async function mintWithCommand(t: ExecutionContext, flags: string[]): Promise<Printed> {
  const run = await cli.run(['node', 'join-token', 'create', ...flags, '--print-bootstrap-command'], adminEnv);
  t.is(run.exitCode, 0, run.stderr);
  const [blockText, section] = run.stdout.replace(/\n$/, '').split('\n\n');
  const block = blockText.split('\n');
  const [heading, ...snippet] = section.split('\n');
  return {
    block,
    heading: heading,
    snippet: snippet.join('\n'),
    token: block[1].trim(),
    tokenId: /\(id: ([0-9a-f-]+)\)/.exec(block[0])![1],
    stderr: run.stderr,
  };
}

/** A node host for the agent: where its files go and where serve listens (what only the host knows, besides its address). */
async function hostEnv(): Promise<{ host: NodeHost; env: Record<string, string> }> {
  const host = await makeNodeHost();
  hosts.push(host);
  const env = {
    OTHERIX_BOOTSTRAP__CERT_DIR: host.certDir,
    OTHERIX_BOOTSTRAP__CONFIG_PATH: host.configPath,
    OTHERIX_BOOTSTRAP__LISTEN: `127.0.0.1:${await freePort()}`,
  };
  return { host, env };
}

async function consumed(tokenId: string): Promise<number> {
  return (await admin.joinTokens.list({ include_expired: true })).items.find((item) => item.id === tokenId)!.consumed;
}

test.serial(
  'a bound token: the block as the seed prints it, then the command for this CP; run as printed, the node joins and serve makes it ready',
  async (t) => {
    const printed = await mintWithCommand(t, ['--node-name', 'printed-node', '--ttl', '10m']);
    t.is(printed.block.length, 9, 'the mint block is whole and first');
    t.regex(printed.block[8], /^Bound to node-name: printed-node \(single-use\)\.$/);
    t.is(
      printed.heading,
      'Bootstrap command (on the node host: replace <host-address> with the address the CP and the other nodes reach it at; paste the token at the prompt):',
    );
    t.is(
      printed.snippet,
      [
        'read -rs OTHERIX_BOOTSTRAP__TOKEN && export OTHERIX_BOOTSTRAP__TOKEN',
        'otherix-agent bootstrap \\',
        `  --ca-fingerprint ${cp.caFingerprint} \\`,
        `  --cp-url ${cp.url} \\`,
        '  --node-name printed-node \\',
        "  --advertised-endpoint 'https://<host-address>:9443' \\",
        "  --migration-host '<host-address>'",
      ].join('\n'),
    );
    t.false(printed.snippet.includes(printed.token), 'the token is not in the command');
    t.regex(
      printed.stderr,
      /^warning: the CP URL https:\/\/127\.0\.0\.1:\d+ is this machine's loopback: on another host, use an address of the CP that its certificate names \(otherix-server --advertise-host\)\n$/,
    );

    // Pasted without filling in the placeholders: the agent refuses them, nothing is redeemed.
    const unfilled = await hostEnv();
    const refused = await shell.run(printed.snippet, { env: unfilled.env, stdin: `${printed.token}\n` });
    t.is(refused.exitCode, 2, refused.stderr);
    t.regex(refused.stderr, /^error: usage: .*--advertised-endpoint/m);
    t.is(await consumed(printed.tokenId), 0);

    // Filled in, run as printed, the token typed at the prompt: the node joins.
    const { host, env } = await hostEnv();
    const filled = printed.snippet.replaceAll('<host-address>', '127.0.0.1');
    const joined = await shell.run(filled, { env, stdin: `${printed.token}\n` });
    t.is(joined.exitCode, 0, joined.stderr);
    t.false(`${joined.stdout}${joined.stderr}`.includes(printed.token), 'the agent never prints the token');
    t.is(await consumed(printed.tokenId), 1);
    const node = (await admin.nodes.get('printed-node')) as Node;
    t.is(node.status, 'pending');
    t.is(node.advertised_endpoint, 'https://127.0.0.1:9443');

    const serve = startServe(['serve', '--config', host.configPath, '--poll-interval', '100ms']);
    t.teardown(() => serve.stop());
    await serve.waitForLog((r) => r.msg === 'state B: serving');
    t.is((await nodeReaches(admin, 'printed-node', 'ready')).status, 'ready');
  },
);

test.serial('a fleet token leaves the node name to the host too', async (t) => {
  const printed = await mintWithCommand(t, ['--max-uses', '2']);
  t.is(printed.block.length, 8, 'no Bound line');
  t.regex(printed.heading, /replace <node-name> with the node's name and <host-address> with the address/);
  t.regex(printed.snippet, /^ {2}--node-name '<node-name>' \\$/m);

  const { env } = await hostEnv();
  const filled = printed.snippet.replaceAll('<node-name>', 'fleet-printed-1').replaceAll('<host-address>', '127.0.0.1');
  const joined = await shell.run(filled, { env, stdin: `${printed.token}\n` });
  t.is(joined.exitCode, 0, joined.stderr);
  t.is(((await admin.nodes.get('fleet-printed-1')) as Node).name, 'fleet-printed-1');
});

test.serial('the token may come from the environment already: the command itself never takes it', async (t) => {
  const printed = await mintWithCommand(t, ['--node-name', 'printed-env']);
  const { env } = await hostEnv();
  const command = printed.snippet.split('\n').slice(1).join('\n').replaceAll('<host-address>', '127.0.0.1');
  const joined = await shell.run(command, { env: { ...env, OTHERIX_BOOTSTRAP__TOKEN: printed.token } });
  t.is(joined.exitCode, 0, joined.stderr);
  t.is(((await admin.nodes.get('printed-env')) as Node).name, 'printed-env');
});

test('--print-bootstrap-command with --output json is a usage error (the JSON stays the API body); nothing is minted', async (t) => {
  const before = (await admin.joinTokens.list({ include_expired: true, limit: 500 })).items.length;
  const run = await cli.run(['node', 'join-token', 'create', '--print-bootstrap-command', '--output', 'json'], adminEnv);
  t.is(run.exitCode, 2);
  t.regex(run.stderr, /^error: usage: --print-bootstrap-command prints text after the mint block: leave out --output json/m);
  t.is((await admin.joinTokens.list({ include_expired: true, limit: 500 })).items.length, before);
});
