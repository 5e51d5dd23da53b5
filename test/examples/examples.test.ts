// The examples/ scripts, run as a user runs them (`node examples/dist/<name>.js` with
// OTHERIX_CP_URL, OTHERIX_CA_FINGERPRINT and OTHERIX_TOKEN) against a live CP; each test checks
// what the script printed and what the CP holds afterwards.
import test from 'ava';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cliEnv } from '../harness/cli.js';
import { clusterForNodes } from '../harness/cluster.js';
import { repoPath } from '../harness/paths.js';
import { childOutput } from '../harness/processes.js';

const EXAMPLES_DIR = repoPath('examples/dist/');
const FULL_TOKEN = /otx_(?:join|api)_[A-Za-z0-9_-]{43}/;

const cluster = clusterForNodes(test);

interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the example left in its TMPDIR (it should clean up after itself). */
  leftovers: string[];
}

async function runExample(name: string, args: string[] = [], env: Record<string, string> = {}): Promise<ExampleRun> {
  const tmp = await cluster.scratchDir('otherix-examples-test-');
  const childEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    TMPDIR: tmp,
    ...cliEnv(cluster.cp, cluster.cp.adminToken),
    ...env,
  };
  const child = spawn(process.execPath, [join(EXAMPLES_DIR, `${name}.js`), ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const { exitCode: code, stdout, stderr } = await childOutput(child);
  return { code, stdout, stderr, leftovers: await readdir(tmp) };
}

function match(t: { truthy(value: unknown, message?: string): void }, text: string, pattern: RegExp): RegExpExecArray {
  const found = pattern.exec(text);
  t.truthy(found, `expected ${pattern} in:\n${text}`);
  return found!;
}

test('bootstrap-bound-node mints a bound token, bootstraps the node, and the token is spent', async (t) => {
  const run = await runExample('bootstrap-bound-node', ['example-bound-1']);
  t.is(run.code, 0, run.stderr);
  t.false(FULL_TOKEN.test(run.stdout + run.stderr), 'no full token is printed');
  t.deepEqual(run.leftovers, [], 'the node folder (with its private key) is removed');

  const minted = match(
    t,
    run.stdout,
    /^minted join token ([0-9a-f-]{36}) \(otx_join_.{4}…\) bound to example-bound-1, max uses 1, expires \S+$/m,
  );
  const joined = match(t, run.stdout, /^bootstrapped node example-bound-1 \(id ([0-9a-f-]{36}), status pending, serial ([0-9a-f]+)\)$/m);
  t.regex(run.stdout, /^ {2}wrote certs\/agent\.key \(mode 0600\)$/m);
  t.regex(run.stdout, /^ {2}wrote certs\/agent\.crt \(mode 0644\)$/m);
  t.regex(run.stdout, /^ {2}wrote certs\/ca\.crt \(mode 0644\)$/m);
  t.regex(run.stdout, /^ {2}wrote agent\.yaml \(mode 0644\)$/m);
  t.regex(run.stdout, /^re-run: already bootstrapped$/m);
  t.regex(run.stdout, /^second redemption refused: token_rejected \(exhausted\)$/m);
  t.regex(run.stdout, new RegExp(`^consumption [0-9a-f-]{36}: node ${joined[1]} at \\S+ from 127\\.0\\.0\\.1$`, 'm'));
  t.regex(run.stdout, /^node example-bound-1 is pending until its agent heartbeats/m);
  t.is(((await cluster.admin.nodes.get('example-bound-1')) as { status: string }).status, 'pending');

  // The CP agrees: one consumption by that node, the token used up, the node with that serial.
  const consumptions = await cluster.admin.joinTokens.consumptions(minted[1]);
  t.deepEqual(
    consumptions.items.map((c) => c.node_id),
    [joined[1]],
  );
  const row = await cluster.cp.store.findNodeByName('example-bound-1');
  t.is(row?.id, joined[1]);
  t.is(row?.certSerial, joined[2]);
  const tokens = [];
  for await (const token of cluster.admin.joinTokens.listAll({ include_expired: true })) if (token.id === minted[1]) tokens.push(token);
  t.is(tokens.length, 1);
  t.is(tokens[0]?.consumed, 1);
  t.is(tokens[0]?.node_name, 'example-bound-1');
});

test('fleet-bootstrap joins exactly max_uses hosts with one capped token and reads the audit', async (t) => {
  const run = await runExample('fleet-bootstrap', ['4']);
  t.is(run.code, 0, run.stderr);
  t.false(FULL_TOKEN.test(run.stdout + run.stderr), 'no full token is printed');
  t.deepEqual(run.leftovers, []);

  const minted = match(t, run.stdout, /^minted fleet join token ([0-9a-f-]{36}) \(otx_join_.{4}…\), max uses 4, expires \S+$/m);
  const joined = [...run.stdout.matchAll(/^joined (fleet-[0-9a-f]{6}-\d) \(id ([0-9a-f-]{36}), serial [0-9a-f]+\)$/gm)];
  const refused = [...run.stdout.matchAll(/^refused (fleet-[0-9a-f]{6}-\d): token_rejected \(exhausted\)$/gm)];
  t.is(joined.length, 4, run.stdout);
  t.is(refused.length, 1, 'host 5 of 4 is refused');
  t.regex(run.stdout, new RegExp(`^token ${minted[1]}: consumed 4/4$`, 'm'));
  const audit = [...run.stdout.matchAll(/^ {2}([0-9a-f-]{36}) \| (fleet-[0-9a-f]{6}-\d) \| \S+ \| 127\.0\.0\.1$/gm)];
  t.deepEqual(audit.map((line) => line[2]).sort(), joined.map((line) => line[1]).sort(), 'each consumption names a joined node');

  // The CP holds the four nodes and none for the refused host.
  const consumptions = await cluster.admin.joinTokens.consumptions(minted[1]);
  t.deepEqual(consumptions.items.map((c) => c.node_id).sort(), joined.map((line) => line[2]).sort());
  for (const line of joined) t.is((await cluster.cp.store.findNodeByName(line[1]))?.id, line[2]);
  t.is(await cluster.cp.store.findNodeByName(refused[0][1]), undefined);
});

test('day-two lists by status, cordons idempotently, uncordons, and deletes only with force', async (t) => {
  const run = await runExample('day-two');
  t.is(run.code, 0, run.stderr);
  t.false(FULL_TOKEN.test(run.stdout + run.stderr), 'no full token is printed');
  t.deepEqual(run.leftovers, []);

  const joined = match(t, run.stdout, /^node (day2-[0-9a-f]{6}) \(id ([0-9a-f-]{36})\) joined and heartbeated: ready, hosting 2 VMs$/m);
  const [, name, id] = joined;
  t.regex(run.stdout, new RegExp(`^ {2}ready: \\d+ \\([^)]*\\b${name}\\b[^)]*\\)$`, 'm'), 'the heartbeated node is listed as ready');
  for (const status of ['pending', 'not_ready', 'cordoned']) t.regex(run.stdout, new RegExp(`^ {2}${status}: \\d+`, 'm'));
  t.regex(
    run.stdout,
    new RegExp(
      `^cordon: ${name} is cordoned\ncordon again: ${name} is cordoned\nlisted as cordoned: true\nuncordon: ${name} is ready$`,
      'm',
    ),
  );
  t.regex(run.stdout, new RegExp(`^delete without force refused: conflict: node ${name} reports 2 VM`, 'm'));
  t.regex(
    run.stdout,
    new RegExp(
      `^delete with force: ${name} deleted\nget ${name}: not_found\nheartbeat with the deleted node's certificate refused: unauthenticated$`,
      'm',
    ),
  );

  // The CP agrees: the node is gone, by name and by id.
  t.is(await cluster.cp.store.findNodeByName(name), undefined);
  t.is(await cluster.cp.store.findNodeById(id), undefined);
});

test('an example without its environment says what to set and exits 2', async (t) => {
  const run = await runExample('fleet-bootstrap', [], { OTHERIX_TOKEN: '' });
  t.is(run.code, 2);
  t.regex(run.stderr, /^error: usage: cannot connect to the control plane: token \(or OTHERIX_TOKEN\) not given; /m);
});

test('an example reports a refusal by its code: a wrong CA fingerprint is fingerprint_mismatch', async (t) => {
  const run = await runExample('bootstrap-bound-node', [], { OTHERIX_CA_FINGERPRINT: `sha256:${'0'.repeat(64)}` });
  t.is(run.code, 1);
  t.regex(run.stderr, /^error: fingerprint_mismatch: /m);
  t.true(run.stderr.includes(`sha256:${'0'.repeat(64)}`), 'names the pin it was given');
});
