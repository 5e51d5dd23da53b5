// A node joined by the real `otherix-agent bootstrap` and run by the real `otherix-agent serve`
// (short intervals from flags), for tests of what State B does. bootstrapWithAgent(): the join
// alone, for a test that starts serve itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { createClient } from '@otherix/sdk';
import type { Node, OtherixClient } from '@otherix/sdk';
import { bootstrapWithBoundToken, fastAgentFlags, startServe } from './agent.js';
import type { AgentRun, RunAgentOptions, ServeProcess } from './agent.js';
import { controlPlaneForTest } from './cluster.js';
import type { ControlPlane, StartControlPlaneOptions } from './control-plane.js';
import { eventually, freePort } from './loopback.js';

export interface ServedNode {
  name: string;
  cpUrl: string;
  caFingerprint: string;
  port: number;
  dir: string;
  certDir: string;
  configPath: string;
  serve: ServeProcess;
  /** SIGTERM (if still running) and remove the folder. */
  cleanup(): Promise<void>;
}

export interface AgentHostPaths {
  certDir: string;
  configPath: string;
}

/**
 * Mints a join token bound to `name` and runs the real bootstrap with it (from the environment),
 * the agent to listen on 127.0.0.1:`port` and beat every 200 ms. Returns the run; exit 0 is the join.
 */
export function bootstrapWithAgent(
  cp: { url: string; caFingerprint: string },
  admin: OtherixClient,
  name: string,
  host: AgentHostPaths,
  port: number,
  options: Omit<RunAgentOptions, 'env'> = {},
): Promise<AgentRun & { token: string }> {
  const flags = { nodeName: name, ...host, advertisedEndpoint: `https://127.0.0.1:${port}`, extra: fastAgentFlags(port) };
  return bootstrapWithBoundToken(cp, admin, flags, options);
}

export async function bootstrapAndServe(
  cp: { url: string; caFingerprint: string },
  admin: OtherixClient,
  name: string,
  env: Record<string, string> = {},
): Promise<ServedNode> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-served-'));
  const configPath = join(dir, 'agent.yaml');
  const certDir = join(dir, 'certs');
  const port = await freePort();
  const bootstrap = await bootstrapWithAgent(cp, admin, name, { certDir, configPath }, port);
  if (bootstrap.exitCode !== 0) throw new Error(`bootstrap failed (${bootstrap.exitCode}): ${bootstrap.stderr}`);
  const serve = startServe(['serve', '--config', configPath, '--poll-interval', '100ms'], env);
  await serve.waitForLog((r) => r.msg === 'state B: serving');
  return {
    name,
    cpUrl: cp.url,
    caFingerprint: cp.caFingerprint,
    port,
    dir,
    certDir,
    configPath,
    serve,
    async cleanup() {
      await serve.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** bootstrapAndServe on `cp` through an admin client of its own, closed once the node serves (for a file's `before` hook). */
export async function serveNodeOn(
  cp: { url: string; caPem: string; caFingerprint: string; adminToken: string },
  name: string,
  env: Record<string, string> = {},
): Promise<ServedNode> {
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  try {
    return await bootstrapAndServe(cp, admin, name, env);
  } finally {
    await admin.close();
  }
}

/**
 * A CP of the test's own (`cpOptions`) with an admin client, and a node on it joined and served by
 * the real agent (bootstrapAndServe with `env`); the node, the client and the CP go after the test.
 */
export async function servedNodeOnOwnCp(
  t: ExecutionContext,
  name: string,
  env: Record<string, string> = {},
  cpOptions: StartControlPlaneOptions = {},
): Promise<{ cp: ControlPlane; admin: OtherixClient; node: ServedNode }> {
  const { cp, admin } = await controlPlaneForTest(t, cpOptions);
  const node = await bootstrapAndServe(cp, admin, name, env);
  t.teardown(() => node.cleanup()); // ava runs teardowns last registered first: the node, then the CP
  return { cp, admin, node };
}

/** Polls `GET /v1/nodes/{name}` with an admin client until the node has `status`; the node as read then. */
export async function nodeReaches(admin: OtherixClient, name: string, status: Node['status']): Promise<Node> {
  return (await eventually(
    () => admin.nodes.get(name),
    (n) => n.status === status,
  )) as Node;
}

/** How many heartbeats the node's serve has logged as accepted so far. */
export function acceptedBeats(node: ServedNode): number {
  return node.serve.records.filter((r) => r.msg === 'heartbeat: first heartbeat accepted' || r.msg === 'heartbeat: accepted').length;
}

/** The messages of every warning and error the node's serve has logged. */
export function warningsAndErrors(node: ServedNode): string[] {
  return node.serve.records.filter((r) => r.level === 'warn' || r.level === 'error').map((r) => r.msg);
}

/** Waits until the node's serve has logged `more` accepted heartbeats beyond `since`, then asserts that it logged no warning or error. */
export async function beatsGoOn(t: ExecutionContext, node: ServedNode, since: number, more: number): Promise<void> {
  await eventually(
    async () => acceptedBeats(node),
    (count) => count >= since + more,
    30_000,
  );
  t.deepEqual(warningsAndErrors(node), []);
}
