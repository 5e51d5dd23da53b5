// A crash between writes (OTHERIX_TEST_CRASH_AT, the SDK atomic writer's test hook) leaves the
// old cert set or the new one, never a mix; a re-run recovers.
import test from 'ava';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadAgentConfig } from '@otherix/sdk';
import { readFileSetState } from '@otherix/sdk/internal';
import type { Node } from '@otherix/sdk';
import { CRASH_EXIT_CODE, CRASH_STEPS, crashAtEnv } from '../harness/crash-points.js';
import type { CrashStep } from '../harness/crash-points.js';
import { bootstrapWithBoundToken, listTree } from '../harness/agent.js';
import type { AgentRun, NodeHost } from '../harness/agent.js';
import { clusterForNodes } from '../harness/cluster.js';

const cluster = clusterForNodes(test);
const NAMES = ['agent.key', 'agent.crt', 'ca.crt'];
// Steps of the cert-set switch, in order; 'after-temp-file' is agent.yaml's single-file write.
const SET_STEPS_BEFORE_SWITCH: CrashStep[] = ['during-generation', 'after-generation', 'after-links', 'after-temp-link'];

async function bootstrap(h: NodeHost, nodeName: string, options: { crashAt?: CrashStep; force?: boolean } = {}): Promise<AgentRun> {
  return bootstrapWithBoundToken(
    cluster.cp,
    cluster.admin,
    { nodeName, certDir: h.certDir, configPath: h.configPath, extra: options.force ? ['--force'] : [] },
    { env: options.crashAt !== undefined ? crashAtEnv(options.crashAt) : {} },
  );
}

/** The serial of the set on disk after checking it is whole: the key matches the cert, which chains to ca.crt. */
async function wholeSetSerial(h: NodeHost): Promise<string> {
  const leaf = new X509Certificate(await readFile(join(h.certDir, 'agent.crt'), 'utf8'));
  const ca = new X509Certificate(await readFile(join(h.certDir, 'ca.crt'), 'utf8'));
  if (!leaf.checkPrivateKey(createPrivateKey(await readFile(join(h.certDir, 'agent.key'), 'utf8')))) {
    throw new Error('agent.key does not match agent.crt: a torn set');
  }
  if (!leaf.verify(ca.publicKey)) throw new Error('agent.crt does not chain to ca.crt');
  return leaf.serialNumber.toLowerCase().replace(/^0+/, '');
}

test('the crash steps the writer exposes are the ones this test walks', (t) => {
  t.deepEqual([...CRASH_STEPS].sort(), [...SET_STEPS_BEFORE_SWITCH, 'after-switch', 'after-cleanup', 'after-temp-file'].sort());
});

for (const step of CRASH_STEPS) {
  test(`first bootstrap crashing at ${step} leaves no cert files or all three, and a re-run recovers`, async (t) => {
    const h = await cluster.host();
    const nodeName = `crash-first-${CRASH_STEPS.indexOf(step)}`;
    const crashed = await bootstrap(h, nodeName, { crashAt: step });
    t.is(crashed.exitCode, CRASH_EXIT_CODE, crashed.stderr);

    const state = await readFileSetState(h.certDir, NAMES);
    if (SET_STEPS_BEFORE_SWITCH.includes(step)) {
      t.deepEqual(state.present, [], 'the old state: nothing');
    } else {
      t.deepEqual(state.present, NAMES, 'the new state: the whole set');
      await t.notThrowsAsync(wholeSetSerial(h));
    }
    // agent.yaml is written after the set, atomically: absent, or whole.
    if (existsSync(h.configPath)) t.notThrows(() => loadAgentConfig({ path: h.configPath, env: {} }));

    // Recovery: a fresh token re-joins after an early crash; a late crash is "already bootstrapped"
    // and the re-run writes the agent.yaml the crash cut off.
    const rerun = await bootstrap(h, nodeName);
    t.is(rerun.exitCode, 0, rerun.stderr);
    t.deepEqual((await readFileSetState(h.certDir, NAMES)).present, NAMES);
    const serial = await wholeSetSerial(h);
    const node = (await cluster.admin.nodes.get(nodeName)) as Node;
    t.is(node.certificate.serial.replace(/^0+/, ''), serial, 'the set on disk is the one the CP issued last');
    t.notThrows(() => loadAgentConfig({ path: h.configPath, env: {} }));
    const leftovers = (await listTree(h.certDir)).filter((entry) => entry.startsWith('..') && entry !== '..data' && !entry.includes('/'));
    t.is(leftovers.length, 1, `one generation remains: ${leftovers.join(', ')}`);
    // The temp files an interrupted write left (agent.yaml's, a link's) are gone after the re-run.
    const temps = [...(await readdir(dirname(h.configPath))), ...(await readdir(h.certDir))].filter((entry) =>
      /\.(tmp|link)-[0-9a-f]{12}$/.test(entry),
    );
    t.deepEqual(temps, []);
  });
}

test('--force crashing at every step leaves the old set or the new one, whole', async (t) => {
  const h = await cluster.host();
  const first = await bootstrap(h, 'crash-force');
  t.is(first.exitCode, 0, first.stderr);
  for (const step of CRASH_STEPS) {
    const before = await wholeSetSerial(h);
    const crashed = await bootstrap(h, 'crash-force', { crashAt: step, force: true });
    t.is(crashed.exitCode, step === 'after-temp-file' ? 0 : CRASH_EXIT_CODE, `${step}: ${crashed.stderr}`);
    const after = await wholeSetSerial(h);
    const issued = ((await cluster.admin.nodes.get('crash-force')) as Node).certificate.serial.replace(/^0+/, '');
    if (SET_STEPS_BEFORE_SWITCH.includes(step)) t.is(after, before, `${step}: the old set`);
    else t.is(after, issued, `${step}: the new set`);
  }
});
