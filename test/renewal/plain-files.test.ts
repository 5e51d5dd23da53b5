// A cert dir that holds plain files instead of the AtomicWriter layout: what an operator gets by
// restoring it from a backup that followed links (`cp -rL`, `tar -h`) or by copying the three
// files in with configuration management. The agent reads them as they are, so a renewal (serve's
// or `otherix-agent renew`) is the first write in the layout. A crash at any step before the
// switch must leave the old identity usable, as it does for a cert dir already in the layout: the
// real binary is killed at each crash point, against a real CP.
import test from 'ava';
import { lstat, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';
import { CRASH_EXIT_CODE, crashAtEnv } from '../harness/crash-points.js';
import type { CrashStep } from '../harness/crash-points.js';
import { runAgent } from '../harness/agent.js';
import type { NodeHost } from '../harness/agent.js';
import { heartbeat } from '../harness/cluster.js';
import { movableClock, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane, MovableClock } from '../harness/control-plane.js';
import { bootstrappedHost, identityOnDisk } from './renewals.js';

const BEFORE_SWITCH: CrashStep[] = ['during-generation', 'after-generation', 'after-links', 'after-temp-link'];
const FILES = ['agent.key', 'agent.crt', 'ca.crt'];
let clock: MovableClock;
let cp: ControlPlane;
let admin: OtherixClient;
const hosts: NodeHost[] = [];

test.before(async () => {
  clock = movableClock();
  cp = await startControlPlane({ clock });
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
});

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  for (const host of hosts) await host.remove();
});

/** A bootstrapped host whose cert dir was then replaced by plain copies of its three files. */
async function hostWithPlainFiles(name: string): Promise<NodeHost> {
  const host = await bootstrappedHost(cp, admin, name, hosts);
  const contents = await Promise.all(FILES.map((file) => readFile(join(host.certDir, file), 'utf8')));
  await rm(host.certDir, { recursive: true });
  await mkdir(host.certDir, { mode: 0o700 });
  for (const [index, file] of FILES.entries())
    await writeFile(join(host.certDir, file), contents[index], { mode: file === 'agent.key' ? 0o600 : 0o644 });
  return host;
}

const identity = identityOnDisk;

for (const [index, step] of BEFORE_SWITCH.entries()) {
  test.serial(`plain cert files: a renewal killed at ${step} leaves the old identity whole and usable`, async (t) => {
    const host = await hostWithPlainFiles(`renew-plain-${index}`);
    t.true((await lstat(join(host.certDir, 'agent.key'))).isFile(), 'a plain file to begin with');
    const before = await identity(host);

    const crashed = await runAgent(['renew', '--config', host.configPath, '--force'], { env: crashAtEnv(step) });
    t.is(crashed.exitCode, CRASH_EXIT_CODE, crashed.stderr);
    const left = await identity(host).catch((error: Error) => error);
    t.false(left instanceof Error, left instanceof Error ? left.message : '');
    if (left instanceof Error) return;
    t.deepEqual(left, before, 'the old identity, whole');
    t.is((await heartbeat(cp, left)).status, 200, 'and the CP still accepts it');

    clock.advance(61_000); // past the node's renewal spacing
    const again = await runAgent(['renew', '--config', host.configPath, '--force']);
    t.is(again.exitCode, 0, again.stderr);
    const renewed = await identity(host);
    t.not(renewed.serial, before.serial);
    t.is((await heartbeat(cp, renewed)).status, 200);
    t.true((await lstat(join(host.certDir, 'agent.key'))).isSymbolicLink(), 'the cert dir is in the layout now');
    t.is((await stat(join(host.certDir, 'agent.key'))).mode & 0o777, 0o600, 'the new key is private');
  });
}
