// A node whose cert dir is on a full disk during a CA rotation: every heartbeat answer carries the
// cluster's new trust bundle (the node still reports the old CA), and every write of ca.crt fails
// for want of space. The real `otherix-agent serve` runs with its cert dir on a tmpfs of its own
// (small-filesystem.ts) that the test fills to the last byte. The agent says so once at warn, with
// what to do, however many beats carry the bundle; ca.crt stays as it was; and once space is freed
// the next beat's write goes through, said in one info line. A rollback while the disk is full
// ends the episode too: the answers stop carrying a bundle, and one info line says so.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import { startServe } from '../harness/agent.js';
import type { LogRecord, ServeProcess } from '../harness/agent.js';
import { makeCliHome } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';
import { spawnControlPlane } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { eventually, freePort } from '../harness/loopback.js';
import { bootstrapWithAgent } from '../harness/served-node.js';
import { fillToTheLastByte, insideOf, onNearlyFullTmpfsWith } from '../harness/small-filesystem.js';
import { rotationCli } from './fleet.js';

const isBundleWarning = (r: LogRecord): boolean => r.level === 'warn' && r.msg.includes("the control plane's CA bundle");
const isBundleRecovery = (r: LogRecord): boolean => r.level === 'info' && r.msg.startsWith('CA rotation: ca.crt written again');
const isAccepted = (r: LogRecord): boolean => r.msg === 'heartbeat: first heartbeat accepted' || r.msg === 'heartbeat: accepted';

/** The fingerprints of the CAs (self-signed certificates) in a trust bundle, cross-certificates aside, sorted. */
function caFingerprintsOf(bundlePem: string): string[] {
  const blocks = bundlePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  return blocks
    .filter((pem) => {
      const cert = new X509Certificate(pem);
      return cert.checkIssued(cert) && cert.verify(cert.publicKey);
    })
    .map((pem) => fingerprintOfPem(pem))
    .sort();
}

interface NodeOnFullDisk {
  cp: SpawnedControlPlane;
  cli: CliHome;
  serve: ServeProcess;
  certDir: string;
  /** ca.crt as the agent sees it (through its mount namespace). */
  caFile: string;
  /** ca.crt before the disk filled up. */
  before: string;
  /** The cert dir's entries before the disk filled up. */
  entriesBefore: string[];
  /** The file fillToTheLastByte() wrote: removing it frees the space. */
  filler: string;
}

/**
 * A spawned CP, its admin's CLI, and a node joined on an ordinary disk whose `otherix-agent serve`
 * (200 ms beats, debug log) runs with the same cert dir copied onto a 1 MiB tmpfs, then filled to
 * the last byte once the first beat is accepted.
 */
async function nodeOnFullDisk(t: ExecutionContext, name: string): Promise<NodeOnFullDisk> {
  const cp = await spawnControlPlane();
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  const cli = await makeCliHome();
  const root = await mkdtemp(join(tmpdir(), 'otherix-agent-full-disk-'));
  t.teardown(async () => {
    await admin.close();
    await cli.remove();
    await cp.stop();
    await rm(root, { recursive: true, force: true });
  });
  const login = await cli.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint, '--token-env', 'T'], {
    T: cp.adminToken,
  });
  if (login.exitCode !== 0) throw new Error(`login failed: ${login.stderr}`);

  const mountPoint = join(root, 'disk');
  const certDir = join(mountPoint, 'certs');
  const configPath = join(root, 'agent.yaml');
  const joined = await bootstrapWithAgent(cp, admin, name, { certDir, configPath }, await freePort());
  if (joined.exitCode !== 0) throw new Error(`bootstrap failed: ${joined.stderr}`);
  await mkdir(join(root, 'seed'));
  await rename(certDir, join(root, 'seed', 'certs'));
  const serve = startServe(
    ['serve', '--config', configPath, '--poll-interval', '100ms'],
    { OTHERIX_LOGGER__LEVEL: 'debug' },
    {
      prefix: onNearlyFullTmpfsWith(join(root, 'seed', 'certs'), mountPoint, { sizeBytes: 1024 * 1024, freeBytes: 256 * 1024 }),
    },
  );
  t.teardown(async () => {
    await serve.stop();
  });
  await serve.waitForLog(isAccepted);
  const caFile = insideOf(serve.child.pid, join(certDir, 'ca.crt'));
  const before = await readFile(caFile, 'utf8');
  const entriesBefore = (await readdir(insideOf(serve.child.pid, certDir))).sort();
  if (caFingerprintsOf(before).join() !== cp.caFingerprint) throw new Error(`ca.crt does not hold the cluster CA alone: ${before}`);
  const filler = insideOf(serve.child.pid, join(mountPoint, 'more-filler'));
  fillToTheLastByte(filler);
  return { cp, cli, serve, certDir, caFile, before, entriesBefore, filler };
}

/** Waits until `serve` has logged `more` accepted heartbeats beyond those so far. */
async function moreBeats(serve: ServeProcess, more: number): Promise<void> {
  const accepted = serve.records.filter(isAccepted).length;
  await eventually(
    async () => serve.records.filter(isAccepted).length,
    (count) => count >= accepted + more,
    60_000,
    100,
  );
}

/** The rotation's first move (init: the CP answers every beat of this node with the two-CA bundle); the new CA. */
async function startRotation(cli: CliHome): Promise<string> {
  const init = await rotationCli(cli, ['next', '--force']);
  if (init.phase !== 'init' || typeof init.new_ca_fingerprint !== 'string') throw new Error(`not in init: ${JSON.stringify(init)}`);
  return init.new_ca_fingerprint;
}

test('a cert dir on a full disk during a CA rotation: the CA bundle write fails at every beat, is warned about once with what to do, ca.crt stays whole; freed, ca.crt gets the bundle and one info line says so', async (t) => {
  t.timeout(180_000);
  const { cp, cli, serve, certDir, caFile, before, entriesBefore, filler } = await nodeOnFullDisk(t, 'full-disk-node');
  const newCa = await startRotation(cli);

  const warned = await serve.waitForLog(isBundleWarning, 30_000);
  t.is(warned.code, 'file_write_failed');
  t.is(warned.errno, 'ENOSPC');
  t.regex(
    warned.msg,
    /^CA rotation: cannot write the control plane's CA bundle to \S+\/ca\.crt: the file system of the cert dir is full \(ENOSPC\): /,
  );
  t.true(warned.msg.includes(`free space on the file system of ${certDir}`), warned.msg);
  t.true(warned.msg.includes(`this node keeps trusting ${cp.caFingerprint} and writes the bundle again at each heartbeat`), warned.msg);
  t.true(warned.msg.endsWith('(said once until it succeeds)'), warned.msg);

  // Many beats, each answered with the bundle (the node still reports the old CA), each write failing.
  await moreBeats(serve, 20);
  t.is(serve.records.filter(isBundleWarning).length, 1, 'warned once, not at every heartbeat');
  t.is(await readFile(caFile, 'utf8'), before, 'ca.crt is the old one, whole');
  t.deepEqual((await readdir(insideOf(serve.child.pid, certDir))).sort(), entriesBefore, 'no half-written generation left behind');

  await rm(filler);
  const recovered = await serve.waitForLog(isBundleRecovery, 30_000);
  t.regex(recovered.msg, /^CA rotation: ca.crt written again after \d+ failed attempts; this node now trusts /);
  t.true((recovered.failed_attempts as number) >= 20, JSON.stringify(recovered));
  t.deepEqual(caFingerprintsOf(await readFile(caFile, 'utf8')), [cp.caFingerprint, newCa].sort(), 'ca.crt holds the rotation bundle');

  // The beats go on without the bundle (the node now reports both CAs), and nothing more is said about it.
  await moreBeats(serve, 5);
  t.is(serve.records.filter(isBundleWarning).length, 1);
  t.is(serve.records.filter(isBundleRecovery).length, 1);
  t.is(serve.records.filter((r) => r.msg.startsWith('CA rotation: ca.crt now trusts')).length, 0, 'the recovery line says it all');
  t.deepEqual(
    serve.records.filter((r) => r.level === 'warn' || r.level === 'error').map((r) => r.msg),
    [warned.msg],
  );
});

test('a rollback while the cert dir is full ends the episode: the answers stop carrying the bundle, one info line says ca.crt matches again, and nothing was written', async (t) => {
  t.timeout(180_000);
  const { cp, cli, serve, caFile, before } = await nodeOnFullDisk(t, 'full-disk-rollback');
  await startRotation(cli);
  await serve.waitForLog(isBundleWarning, 30_000);
  await moreBeats(serve, 5);

  t.is((await rotationCli(cli, ['rollback'])).phase, 'standby', 'from init, a rollback is over at once');
  const ended = await serve.waitForLog((r) => r.msg.startsWith("CA rotation: ca.crt matches the cluster's trust now"), 30_000);
  t.is(ended.level, 'info');
  t.regex(ended.msg, /so the bundle no longer needs writing \(after \d+ failed attempts\)$/);
  await moreBeats(serve, 5);
  t.is(serve.records.filter(isBundleWarning).length, 1);
  t.is(serve.records.filter((r) => r.msg === ended.msg).length, 1);
  t.is(await readFile(caFile, 'utf8'), before);
  t.deepEqual(caFingerprintsOf(before), [cp.caFingerprint]);
});
