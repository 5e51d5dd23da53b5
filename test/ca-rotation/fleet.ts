// Shared steps of the CA rotation tests (not a test file): a real otherix-server, agents running
// the real `otherix-agent serve` (200 ms heartbeats), an admin CLI logged in before the rotation
// that drives it, and what the tests check between phases.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { ExecutionContext } from 'ava';
import { createClient } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';
import type { CaRotation, OtherixClient } from '@otherix/sdk';
import { callAgent } from '../harness/agent-https.js';
import { bootstrapArgs, makeNodeHost, runAgent } from '../harness/agent.js';
import type { LogRecord } from '../harness/agent.js';
import { makeCliHome } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';
import { api, spawnControlPlane } from '../harness/control-plane.js';
import type { SpawnedControlPlane } from '../harness/control-plane.js';
import { eventually } from '../harness/loopback.js';
import { bootstrapAndServe } from '../harness/served-node.js';
import type { ServedNode } from '../harness/served-node.js';

export interface Fleet {
  cp: SpawnedControlPlane;
  /** An SDK client pinned to the CA at start (mints the first nodes' tokens). */
  admin: OtherixClient;
  /** The admin's CLI, logged in before the rotation. */
  cli: CliHome;
  nodes: ServedNode[];
}

/** A failed heartbeat or renewal, as the agent logs it. */
export const isFailure = (r: LogRecord): boolean => /^(heartbeat failed|heartbeat still failing|renewal failed)/.test(r.msg);

export async function startFleet(t: ExecutionContext, names: readonly string[], cpArgs: string[] = []): Promise<Fleet> {
  const cp = await spawnControlPlane({ args: cpArgs });
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  const cli = await makeCliHome();
  const nodes: ServedNode[] = [];
  t.teardown(async () => {
    await Promise.all(nodes.map((node) => node.cleanup()));
    await admin.close();
    await cli.remove();
    await cp.stop();
  });
  const login = await cli.run(['login', '--cp-url', cp.url, '--ca-fingerprint', cp.caFingerprint, '--token-env', 'ADMIN_TOKEN'], {
    ADMIN_TOKEN: cp.adminToken,
  });
  if (login.exitCode !== 0) throw new Error(`login failed: ${login.stderr}`);
  for (const name of names) nodes.push(await bootstrapAndServe(cp, admin, name));
  for (const node of nodes) await node.serve.waitForLog((r) => r.msg === 'heartbeat: first heartbeat accepted');
  return { cp, admin, cli, nodes };
}

/** `otherix ca rotation <words>` with the admin's CLI, its JSON answer. */
export async function rotationCli(cli: CliHome, words: readonly string[]): Promise<CaRotation> {
  const run = await cli.run(['ca', 'rotation', ...words, '--output', 'json']);
  if (run.exitCode !== 0) throw new Error(`otherix ca rotation ${words.join(' ')} failed (${run.exitCode}): ${run.stderr}`);
  return JSON.parse(run.stdout) as CaRotation;
}

/** Every CA the CP's data dir holds (the cluster's, a rotation's new one) and the one at start: what the tests trust. */
export async function fleetTrust(fleet: Fleet): Promise<string> {
  const read = (name: string) => readFile(join(fleet.cp.dataDir, name), 'utf8').catch(() => '');
  return [fleet.cp.caPem, await read('ca.crt'), await read('ca-next.crt')].filter((pem) => pem !== '').join('');
}

/** `GET /v1/ca/rotation` as the admin (polled between phases: cheaper than a CLI process per look). */
export async function rotationStatus(fleet: Fleet): Promise<CaRotation> {
  const answer = await api<CaRotation>({ url: fleet.cp.url, caPem: await fleetTrust(fleet) }, 'GET', '/v1/ca/rotation', {
    token: fleet.cp.adminToken,
  });
  if (answer.status !== 200) throw new Error(`GET /v1/ca/rotation: ${answer.status} ${answer.text}`);
  return answer.body;
}

/** Waits until every node that heartbeats has caught up with the phase, then `next` (or rollback) with the CLI. */
export async function moveWhenCaughtUp(
  fleet: Fleet,
  words: readonly string[] = ['next'],
  heartbeating = fleet.nodes.length,
): Promise<CaRotation> {
  await eventually(
    () => rotationStatus(fleet),
    (status) => status.lagging.length === 0 && status.nodes.heartbeating === heartbeating,
    60_000,
    200,
  );
  return rotationCli(fleet.cli, words);
}

/** The fingerprints of the CAs in a node's ca.crt (self-signed ones; cross-certificates aside). */
export async function caFileFingerprints(node: ServedNode): Promise<number> {
  const text = await readFile(join(node.certDir, 'ca.crt'), 'utf8');
  return (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
}

/** Waits until every node's ca.crt holds one CA alone (the rotation is over for it); their fingerprints. */
export async function caFilesSettled(nodes: readonly ServedNode[]): Promise<string[]> {
  const fingerprints: string[] = [];
  for (const node of nodes) {
    await eventually(
      () => caFileFingerprints(node),
      (blocks) => blocks === 1,
      30_000,
      100,
    );
    fingerprints.push(fingerprintOfPem(await readFile(join(node.certDir, 'ca.crt'), 'utf8')));
  }
  return fingerprints;
}

/** The CP's client certificate as it is now in its data dir, calling each agent's server over a new connection. */
export async function cpReachesEveryAgent(fleet: Fleet, trustPem: string): Promise<number[]> {
  const client = {
    certPem: await readFile(join(fleet.cp.dataDir, 'client.crt'), 'utf8'),
    keyPem: await readFile(join(fleet.cp.dataDir, 'client.key'), 'utf8'),
  };
  const statuses: number[] = [];
  for (const node of fleet.nodes) {
    const answer = await callAgent({ port: node.port, path: '/v1/agent/healthz', caPem: trustPem, client });
    statuses.push(answer.status);
  }
  return statuses;
}

/** The fingerprint the mint block printed (`otherix node join-token create`), and the token. */
export async function mintWithCli(cli: CliHome, nodeName: string): Promise<{ token: string; fingerprint: string }> {
  const run = await cli.run(['node', 'join-token', 'create', '--node-name', nodeName, '--ttl', '10m']);
  if (run.exitCode !== 0) throw new Error(`join-token create failed: ${run.stderr}`);
  const token = /^\s+(otx_join_\S+)$/m.exec(run.stdout)?.[1];
  const fingerprint = /^CA fingerprint:\n\s+(sha256:[0-9a-f]{64})$/m.exec(run.stdout)?.[1];
  if (token === undefined || fingerprint === undefined) throw new Error(`no mint block in: ${run.stdout}`);
  return { token, fingerprint };
}

/** A new host joins with the real bootstrap and the given fingerprint; its exit code and stderr. */
export async function joinNewHost(
  t: ExecutionContext,
  cp: { url: string },
  nodeName: string,
  minted: { token: string; fingerprint: string },
): Promise<{ exitCode: number; stderr: string }> {
  const host = await makeNodeHost();
  t.teardown(() => host.remove());
  const run = await runAgent(
    [
      ...bootstrapArgs({ cpUrl: cp.url, caFingerprint: minted.fingerprint, nodeName, certDir: host.certDir, configPath: host.configPath }),
      '--token-env',
      'JOIN_TOKEN',
    ],
    { env: { JOIN_TOKEN: minted.token } },
  );
  return { exitCode: run.exitCode ?? -1, stderr: run.stderr };
}

/** The serving certificate a CP presents on a new connection, trusting `caPem`. */
export function servingCertificate(cp: { url: string }, caPem: string): Promise<X509Certificate> {
  const { hostname, port } = new URL(cp.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: caPem, servername: 'localhost' }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.on('error', reject);
  });
}
