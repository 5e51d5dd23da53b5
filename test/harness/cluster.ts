// A cluster for tests. clusterForNodes(test): one real CP per test file, an admin client, and
// temp folders ("node hosts", scratch dirs) removed when the file is done; clusterForTest(t):
// the same for one test, with the CP's options (a clock of its own). joinNode(): a node
// joined the way an agent joins (a join token minted through the API, a real P-384 key and CSR,
// a real join), with its certificate and key for mTLS. heartbeat(): a heartbeat over mTLS with
// such a certificate. roleTokens(): an API token per non-admin role.
import type { TestFn } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@otherix/sdk';
import type { components, OtherixClient } from '@otherix/sdk';
import type { KeyPairPem } from '@otherix/server';
import { makeNodeHost } from './agent.js';
import type { NodeHost } from './agent.js';
import { api, startControlPlane } from './control-plane.js';
import type { ApiResponse, ApiTarget, ControlPlane, StartControlPlaneOptions } from './control-plane.js';
import { joinRequest, nodeCsr } from './join-request.js';

export type HeartbeatRequest = components['schemas']['HeartbeatRequest'];
export type Node = components['schemas']['Node'];
export type NodeSummary = components['schemas']['NodeSummary'];

// --- one CP per test file ---

export interface ClusterForNodes {
  /** Set once the file's `before` hook has run. */
  readonly cp: ControlPlane;
  readonly admin: OtherixClient;
  /** A fresh temp node host (see makeNodeHost), removed after the file. */
  host(): Promise<NodeHost>;
  /** A fresh temp folder, removed after the file. */
  scratchDir(prefix: string): Promise<string>;
  /** How many times a join token was redeemed, as the CP lists it. */
  consumedCount(tokenId: string): Promise<number>;
}

/** Registers the file's before / after.always hooks on `test` and returns the handles. */
export function clusterForNodes(test: TestFn): ClusterForNodes {
  let cp: ControlPlane | undefined;
  let admin: OtherixClient | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  test.before(async () => {
    cp = await startControlPlane();
    admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  });

  test.after.always(async () => {
    await admin?.close();
    await cp?.close();
    for (const cleanup of cleanups) await cleanup();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the control plane is not started yet: use it inside a test');
    return value;
  };

  return {
    get cp() {
      return started(cp);
    },
    get admin() {
      return started(admin);
    },
    async host() {
      const made = await makeNodeHost();
      cleanups.push(made.remove);
      return made;
    },
    async scratchDir(prefix) {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return dir;
    },
    async consumedCount(tokenId) {
      const page = await started(admin).joinTokens.list({ include_expired: true, limit: 500 });
      const found = page.items.find((item) => item.id === tokenId);
      if (found === undefined) throw new Error(`token ${tokenId} not listed`);
      return found.consumed;
    },
  };
}

/** A CP of the test's own (its clock can move, its options are the test's) and an admin client, both gone after the test. */
export async function controlPlaneForTest(
  t: { teardown(fn: () => Promise<void>): void },
  options: StartControlPlaneOptions = {},
): Promise<{ cp: ControlPlane; admin: OtherixClient }> {
  const cp = await startControlPlane(options);
  const admin = createClient({ cpUrl: cp.url, caPem: cp.caPem, token: cp.adminToken });
  t.teardown(async () => {
    await admin.close();
    await cp.close();
  });
  return { cp, admin };
}

/** controlPlaneForTest, and a node host; all gone after the test. */
export async function clusterForTest(
  t: { teardown(fn: () => Promise<void>): void },
  options: StartControlPlaneOptions = {},
): Promise<{ cp: ControlPlane; admin: OtherixClient; host: NodeHost }> {
  const { cp, admin } = await controlPlaneForTest(t, options);
  const host = await makeNodeHost();
  t.teardown(() => host.remove());
  return { cp, admin, host };
}

// --- nodes, joined and beating ---

export interface JoinedNode {
  id: string;
  name: string;
  /** The node's certificate and key, for mTLS. */
  cert: KeyPairPem;
  serial: string;
  /** The node as the join answered it. */
  node: Node;
}

export interface JoinNodeOptions {
  architecture?: string;
  /** Mint the token bound to the name (needed to re-join a known name); default true. */
  bound?: boolean;
  /** The advertised endpoint's host and the migration host; default 127.0.0.1 (loopback never collides). */
  host?: string;
}

/** Any CP (started, spawned) with its first admin token. */
export type AdminTarget = ApiTarget & { adminToken: string };

export async function joinNode(cp: AdminTarget, name: string, options: JoinNodeOptions = {}): Promise<JoinedNode> {
  const minted = await api(cp, 'POST', '/v1/nodes/join-tokens', {
    token: cp.adminToken,
    body: options.bound === false ? { max_uses: 1 } : { node_name: name },
  });
  if (minted.status !== 201) throw new Error(`mint failed: ${minted.text}`);
  const { csrPem, keyPem } = await nodeCsr(name);
  const overrides = {
    ...(options.architecture === undefined ? {} : { architecture: options.architecture }),
    ...(options.host === undefined
      ? {}
      : {
          advertised_endpoint: `https://${options.host}:9443`,
          migration: { host: options.host, port_range_start: 49152, port_range_end: 49251 },
        }),
  };
  const joined = await api(cp, 'POST', '/v1/nodes/join', { body: joinRequest(minted.body.token, name, csrPem, overrides) });
  if (joined.status !== 201) throw new Error(`join of ${name} failed: ${joined.text}`);
  const node = joined.body.node as Node;
  return { id: node.id, name, cert: { certPem: joined.body.certificate_pem, keyPem }, serial: node.certificate.serial, node };
}

/** The hardware a test node reports in its heartbeats (8 CPUs, 16 GiB, KVM present). */
export const TEST_HARDWARE: HeartbeatRequest['hardware'] = {
  cpu_model: 'Test CPU @ 3.0GHz',
  cpu_count: 8,
  memory_bytes: 16 * 1024 ** 3,
  kvm_present: true,
  hostname: 'host-under-test',
  kernel: '6.1.0-test',
};

export function heartbeatBody(overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return {
    architecture: 'amd64',
    agent_version: '0.1.0-test',
    heartbeat_interval_seconds: 30,
    hardware: { ...TEST_HARDWARE },
    vm_count: 0,
    active_migrations: 0,
    ...overrides,
  };
}

export function heartbeat(
  cp: ApiTarget,
  cert: KeyPairPem | undefined,
  body: unknown = heartbeatBody(),
  token?: string,
): Promise<ApiResponse> {
  return api(cp, 'POST', '/v1/nodes/heartbeat', {
    body,
    ...(cert === undefined ? {} : { cert }),
    ...(token === undefined ? {} : { token }),
  });
}

/** An API token per non-admin role. */
export async function roleTokens(cp: AdminTarget, prefix: string): Promise<Record<'operator' | 'developer' | 'viewer', string>> {
  const out: Record<string, string> = {};
  for (const role of ['operator', 'developer', 'viewer']) {
    const minted = await api(cp, 'POST', '/v1/api-tokens', { token: cp.adminToken, body: { name: `${prefix}-${role}`, role } });
    if (minted.status !== 201) throw new Error(`api token mint failed: ${minted.text}`);
    out[role] = minted.body.token;
  }
  return out;
}
