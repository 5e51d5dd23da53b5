// `otherix-agent renew [--config PATH] [--force]` (issue 16), the real binary against a real CP:
// without --force it renews only past 2/3 of the lifetime and says so otherwise; a renewal whose
// answer a proxy drops after the request went out (once the CP has signed) leaves the host as it was, and the retry with
// the old certificate succeeds while the leaf whose answer was lost is superseded; a crash
// between writing the new generation and switching to it (the atomic writer's crash points)
// leaves the old generation usable; refusals (a deleted node, an expired certificate) change
// nothing on the host. The CP's clock is moved past a node's renewal spacing instead of waiting.
import test from 'ava';
import { chown, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { bootstrapNode, createClient } from '@otherix/sdk';
import { CRASH_EXIT_CODE, crashAtEnv } from '../harness/crash-points.js';
import type { Node, OtherixClient } from '@otherix/sdk';
import type { CrashStep } from '../harness/crash-points.js';
import { makeNodeHost, runAgent } from '../harness/agent.js';
import type { AgentRun, NodeHost } from '../harness/agent.js';
import { heartbeat } from '../harness/cluster.js';
import { movableClock, startControlPlane } from '../harness/control-plane.js';
import type { ControlPlane, MovableClock } from '../harness/control-plane.js';
import { startAnswerDroppingProxy } from '../harness/proxies.js';
import { bootstrappedHost, certificateStatuses, identityOnDisk } from './renewals.js';

const DAY = 86_400_000;
let clock: MovableClock;
let cp: ControlPlane;
let admin: OtherixClient;
const hosts: NodeHost[] = [];

const BEFORE_SWITCH: CrashStep[] = ['during-generation', 'after-generation', 'after-links', 'after-temp-link'];
const CRASH_CASES = [...BEFORE_SWITCH, 'after-switch'] as const;
const crashHost = (step: (typeof CRASH_CASES)[number]): string => `renew-crash-${CRASH_CASES.indexOf(step)}`;
/** Bootstrapped before any test moves the CP's clock: bootstrap refuses a CP more than 5 minutes off. */
const prepared = new Map<string, NodeHost>();

test.before(async () => {
  clock = movableClock();
  cp = await startControlPlane({ clock, captureLogs: 'debug' });
  admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  for (const name of ['renew-once', 'renew-lost', 'renew-deleted', 'renew-other-owner', ...CRASH_CASES.map(crashHost)])
    prepared.set(name, await bootstrapped(name));
});

function hostOf(name: string): NodeHost {
  const host = prepared.get(name);
  if (host === undefined) throw new Error(`no host prepared for ${name}`);
  return host;
}

test.after.always(async () => {
  await admin?.close();
  await cp?.close();
  for (const host of hosts) await host.remove();
});

/** A host bootstrapped with the real binary (a token bound to `name`). */
function bootstrapped(name: string): Promise<NodeHost> {
  return bootstrappedHost(cp, admin, name, hosts);
}

function renewCommand(host: NodeHost, options: { force?: boolean; env?: Record<string, string> } = {}): Promise<AgentRun> {
  return runAgent(['renew', '--config', host.configPath, ...(options.force === true ? ['--force'] : [])], { env: options.env ?? {} });
}

const certSet = identityOnDisk;

/** The serials the CP logged as renewed for `name` (its audit lines), in order. */
function loggedRenewals(name: string): string[] {
  return cp.logs
    .map((line) => JSON.parse(line) as { event?: string; node_name?: string; serial?: string })
    .filter((record) => record.event === 'node.renewed' && record.node_name === name)
    .map((record) => record.serial!);
}

const aMinuteOn = (): void => clock.advance(61_000);

test.serial(
  'without --force it renews only past 2/3 of the lifetime and says so; with --force it renews, and the new certificate works',
  async (t) => {
    const host = hostOf('renew-once');
    const before = await certSet(host);
    const early = await renewCommand(host);
    t.is(early.exitCode, 0, early.stderr);
    t.regex(
      early.stdout,
      /^not renewing: the certificate of renew-once \(serial [0-9a-f]+\) was issued at .+ and is valid until .+; renewal is due from .+ \(2\/3 of its lifetime\), and a running serve renews it by itself: run with --force to renew now\n$/,
    );
    t.is((await certSet(host)).serial, before.serial, 'nothing written');

    const forced = await renewCommand(host, { force: true });
    t.is(forced.exitCode, 0, forced.stderr);
    const after = await certSet(host);
    t.not(after.serial, before.serial);
    t.regex(
      forced.stdout,
      new RegExp(
        `^renewed renew-once: serial ${before.serial} -> ${after.serial}, valid until \\S+; wrote agent.key and agent.crt to ${host.certDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    t.is((await heartbeat(cp, after)).status, 200);
    const shown = (await admin.nodes.get('renew-once')) as Node;
    t.is(shown.certificate.serial, after.serial);
    t.is((await heartbeat(cp, before)).status, 401, 'the old certificate is refused once the new one was used');
    t.is((await stat(join(host.certDir, 'agent.key'))).mode & 0o777, 0o600, 'the new key is private');
    const generation = (await readdir(host.certDir)).filter((entry) => /^\.\.\d+-/.test(entry));
    t.is(generation.length, 1, 'one generation left');
  },
);

test.serial(
  'renew run as another user than the cert dir owner (root on a host whose serve runs as its own user) is refused before anything is sent: the new key would be unreadable to serve',
  async (t) => {
    const host = hostOf('renew-other-owner');
    const before = await certSet(host);
    const me = process.getuid!();
    const owner = 65534;
    // The tests run as root (CI does): the cert dir is handed to `nobody`, as a package would give it to `otherix`.
    t.is(me, 0, 'this test needs root, as CI runs it, to give the cert dir to another user');
    await chown(host.certDir, owner, owner);
    const renewalsBefore = loggedRenewals('renew-other-owner').length;
    const refused = await renewCommand(host, { force: true });
    t.is(refused.exitCode, 1);
    t.is(
      refused.stderr,
      `error: forbidden: ${host.certDir} belongs to uid ${owner} and this runs as uid ${me}: the new agent.key (0600) would belong to uid ${me}, and a serve running as uid ${owner} could not read it: ` +
        `run it as the cert dir's owner (e.g. sudo -u '#${owner}' otherix-agent renew --config ${host.configPath} --force); nothing was renewed\n`,
    );
    t.deepEqual(await certSet(host), before, 'nothing written');
    t.is(loggedRenewals('renew-other-owner').length, renewalsBefore, 'nothing was sent to the CP');
  },
);

test.serial(
  'a renewal whose answer is dropped after the request went out: nothing is written, the retry with the old certificate succeeds, the lost leaf is superseded',
  async (t) => {
    const host = hostOf('renew-lost');
    const before = await certSet(host);
    // The proxy drops the answer once the CP has signed the new leaf (its renewal hook runs before it answers).
    const proxy = await startAnswerDroppingProxy(Number(new URL(cp.url).port));
    t.teardown(() => proxy.close());
    cp.app.services.renewal.onRenewed((event) => {
      if (event.nodeName === 'renew-lost') proxy.dropAnswers();
    });
    const lost = await renewCommand(host, { force: true, env: { OTHERIX_CP_URL: proxy.url } });
    await proxy.answerDropped;
    t.is(lost.exitCode, 1);
    t.regex(
      lost.stderr,
      /^error: renewal_outcome_unknown: the renewal request for renew-lost reached the control plane at https:\/\/127\.0\.0\.1:\d+, but no answer came back .*Nothing was written here, and the current certificate \(serial [0-9a-f]+\) keeps working until the node uses a new one: renew again/,
    );
    t.deepEqual(await certSet(host), before, 'the host is as it was');
    const [lostSerial] = loggedRenewals('renew-lost');
    t.truthy(lostSerial, 'the CP did sign a leaf whose answer was lost');
    t.is((await heartbeat(cp, before)).status, 200, 'the old certificate still works');

    aMinuteOn();
    const retried = await renewCommand(host, { force: true });
    t.is(retried.exitCode, 0, retried.stderr);
    const after = await certSet(host);
    t.deepEqual(loggedRenewals('renew-lost'), [lostSerial, after.serial]);
    t.deepEqual(await certificateStatuses(cp, [before.serial, lostSerial, after.serial]), {
      [before.serial]: 'current',
      [lostSerial]: 'superseded',
      [after.serial]: 'pending',
    });
    t.is((await heartbeat(cp, after)).status, 200);
    t.deepEqual(await certificateStatuses(cp, [before.serial, after.serial]), { [before.serial]: 'renewed', [after.serial]: 'current' });
  },
);

for (const step of CRASH_CASES) {
  test.serial(
    `a crash at ${step} leaves ${step === 'after-switch' ? 'the new generation' : 'the old generation'} whole and usable; the next renewal cleans up`,
    async (t) => {
      const name = crashHost(step);
      const host = hostOf(name);
      const before = await certSet(host);
      const crashed = await renewCommand(host, { force: true, env: crashAtEnv(step) });
      t.is(crashed.exitCode, CRASH_EXIT_CODE, crashed.stderr);
      const [signed] = loggedRenewals(name);
      const left = await certSet(host);
      if (step === 'after-switch') {
        t.is(left.serial, signed);
        t.is((await heartbeat(cp, left)).status, 200, 'the new set works');
      } else {
        t.deepEqual(left, before, 'the old set, whole');
        t.is((await heartbeat(cp, left)).status, 200, 'and the CP still accepts it: the new leaf was never used');
        t.deepEqual(await certificateStatuses(cp, [before.serial, signed]), { [before.serial]: 'current', [signed]: 'pending' });
      }
      aMinuteOn();
      const again = await renewCommand(host, { force: true });
      t.is(again.exitCode, 0, again.stderr);
      const renewed = await certSet(host);
      t.is((await heartbeat(cp, renewed)).status, 200);
      const entries = (await readdir(host.certDir)).sort();
      t.deepEqual(
        entries.filter((entry) => !/^\.\.\d+-[0-9a-f]+$/.test(entry)),
        ['..data', 'agent.crt', 'agent.key', 'ca.crt'],
        'no leftovers',
      );
      t.is(entries.filter((entry) => /^\.\.\d+-[0-9a-f]+$/.test(entry)).length, 1);
    },
  );
}

test.serial(
  "refusals leave the host as it was: a deleted node (the CP's code and advice), an expired certificate (no request at all)",
  async (t) => {
    const host = hostOf('renew-deleted');
    const before = await certSet(host);
    const node = (await admin.nodes.get('renew-deleted')) as Node;
    await admin.nodes.delete(node.id, { force: true });
    const refused = await renewCommand(host, { force: true });
    t.is(refused.exitCode, 1);
    t.regex(
      refused.stderr,
      /^error: unauthenticated: node renew-deleted was deleted and its certificate \(serial [0-9a-f]+\) revoked: to bring the host back, mint a join token bound to the node/,
    );
    t.deepEqual(await certSet(host), before);

    // A host whose certificate has ended (joined with the host clock set to a CP 31 days behind:
    // its 30-day leaf ended a day ago by the real clock).
    const behind = 31 * DAY;
    const old = await startControlPlane({ clock: { now: () => Date.now() - behind, advance: () => undefined } });
    t.teardown(() => old.close());
    const expiredHost = await makeNodeHost();
    hosts.push(expiredHost);
    const oldAdmin = createClient({ cpUrl: old.url, caPem: old.caPem, token: old.adminToken });
    const minted = await oldAdmin.joinTokens.create({ node_name: 'renew-expired', ttl_seconds: 600 });
    await oldAdmin.close();
    await bootstrapNode({
      token: minted.token,
      caFingerprint: old.caFingerprint,
      cpUrl: old.url,
      nodeName: 'renew-expired',
      advertisedEndpoint: 'https://127.0.0.1:9443',
      migrationHost: '127.0.0.1',
      certDir: expiredHost.certDir,
      configPath: expiredHost.configPath,
      now: () => Date.now() - behind,
    });
    const expired = await certSet(expiredHost);
    const tooLate = await renewCommand(expiredHost);
    t.is(tooLate.exitCode, 1);
    t.regex(
      tooLate.stderr,
      /^error: certificate_expired: cannot renew: the node certificate of renew-expired \(serial [0-9a-f]+\) expired at .+, and a renewal is authenticated by a certificate that is still valid: mint a join token bound to the node \(`otherix node join-token create --node-name renew-expired`\) and run `otherix-agent bootstrap --force` on this host/,
    );
    t.deepEqual(await certSet(expiredHost), expired);
  },
);

test.serial('no key and no CSR reaches a log: the CP logs serials, never bodies', async (t) => {
  const logs = cp.logs.join('\n');
  t.true(logs.includes('audit: node.renewed'));
  for (const secret of ['PRIVATE KEY', 'CERTIFICATE REQUEST', 'csr_pem']) t.false(logs.includes(secret), secret);
  for (const host of prepared.values()) {
    const key = (await readFile(join(host.certDir, 'agent.key'), 'utf8')).split('\n')[1];
    t.false(logs.includes(key), 'a key line');
  }
});
