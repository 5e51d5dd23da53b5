// A real control plane for tests: a fresh data dir in a temp folder, real SQLite (or, on
// PostgreSQL, a new database on the embedded server: harness/engine.ts), real TLS on
// 127.0.0.1:0, and a clock the test can move. Also: raw HTTPS calls pinned to the CP's CA, and
// the real `otherix-server` binary as a child process (restart and kill -9 tests).
//
// Stable API (other test files rely on it):
//   startControlPlane(opts?)  -> ControlPlane { url, caPem, caFingerprint, adminToken, dataDir,
//                                clock, app, store, ca, clientCertificate, warnings, close() }
//                                (it holds the data dir's lock until close(), as the binary does)
//   controlPlaneForFile(test, started, opts?): one CP per file, in its before/after hooks
//   api(target, method, path, { token?, body?, rawBody?, headers?, cert? }) -> ApiResponse
//   spawnControlPlane(opts?)  -> SpawnedControlPlane { url, caPem, caFingerprint, adminToken,
//                                dataDir, clientCertificate, child, output(), stop(signal?), kill9() }
import type { TestFn } from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { buildApp, initDataDir, initReplica } from '@otherix/server';
import type { ClusterCa, KeyPairPem, ListenerLimits, Store } from '@otherix/server';
import type { FastifyInstance } from 'fastify';
import { repoPath } from './paths.js';
import { defaultEngine } from './engine.js';
import type { Engine } from './engine.js';
import { freshDatabaseUrl, stopPostgres } from './postgres.js';

/** server/dist/main.js, from test/dist/harness/control-plane.js. */
export const OTHERIX_SERVER_BIN = repoPath('server/dist/main.js');

/** How long the harness waits for the CP's listening line before it kills the CP. */
const START_LIMIT_MS = 90_000;

export interface MovableClock {
  /** Epoch ms: real time plus everything advanced so far. */
  now: () => number;
  advance: (ms: number) => void;
}

export function movableClock(): MovableClock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

/** Where an api() call goes: a started or spawned CP, or any {url, caPem}. */
export interface ApiTarget {
  url: string;
  caPem: string;
}

export interface ControlPlane extends ApiTarget {
  caFingerprint: string;
  /** The first admin API token (the content of admin.token). */
  adminToken: string;
  dataDir: string;
  clock: MovableClock;
  app: FastifyInstance;
  store: Store;
  ca: ClusterCa;
  /** The CP's client certificate (spiffe://otherix/control-plane), as used to call agents. */
  clientCertificate: KeyPairPem;
  /** Log lines, when started with captureLogs. */
  logs: string[];
  /** What initDataDir said an operator should hear (otherix-server prints these at start). */
  warnings: string[];
  /** The store's engine; on PostgreSQL, the database and the secret file another replica would be given. */
  engine: Engine;
  databaseUrl: string | undefined;
  secretFile: string | undefined;
  /** Stops listening, closes the database and removes the data dir (unless keepDataDir). */
  close(): Promise<void>;
}

export interface StartControlPlaneOptions {
  /** Reuse a data dir (restart); default a fresh temp folder, removed on close. */
  dataDir?: string;
  keepDataDir?: boolean;
  advertiseHosts?: string[];
  /** Unknown-token redemptions per IP per minute; default 1000 so rule tests are not throttled. */
  joinGuessLimit?: number;
  /** Collect JSON log lines in cp.logs at this level (e.g. 'debug'); default no logging. */
  captureLogs?: string;
  clock?: MovableClock;
  /** Called with the built app before it listens: hooks a test adds (the contract tests' fault and drift injection). */
  configure?: (app: FastifyInstance) => void;
  /** Where to listen; default 127.0.0.1 (`::` takes IPv4 clients as ::ffff:127.0.0.1). */
  listenHost?: string;
  /** Listener timeouts and connection cap (short ones for tests); default the CP's. */
  listener?: Partial<ListenerLimits>;
  /** Node leaves' lifetime from signing (--node-cert-lifetime); default the CP's (30 days). */
  nodeCertLifetimeMs?: number;
  /** Default harness/engine.ts's (SQLite unless the file runs on PostgreSQL). */
  engine?: Engine;
  /** PostgreSQL: join this database's cluster as another replica (default a new database), with its secret file. */
  databaseUrl?: string;
  secretFile?: string;
}

/**
 * One CP for a whole test file: started in the file's `before` hook (then `started(cp)` runs:
 * keep it, mint role tokens and the like), closed in its `after.always` hook.
 */
export function controlPlaneForFile(test: TestFn, started: (cp: ControlPlane) => unknown, options: StartControlPlaneOptions = {}): void {
  let cp: ControlPlane | undefined;
  test.before(async () => {
    cp = await startControlPlane(options);
    await started(cp);
  });
  test.after.always(async () => {
    await cp?.close();
  });
}

/** A fresh temp folder (`prefix` and random characters) for a data dir, removed after the test. */
export async function tempDataDir(t: { teardown(fn: () => Promise<void>): void }, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A secret file for replicas (0600, 48 characters) in `dir`. */
export async function writeSecretFile(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'replicas.secret');
  await writeFile(path, `${randomBytes(36).toString('base64')}\n`, { mode: 0o600 });
  return path;
}

export async function startControlPlane(options: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'otherix-cp-')));
  const clock = options.clock ?? movableClock();
  const engine = options.engine ?? defaultEngine();
  let databaseUrl: string | undefined;
  let secretFile: string | undefined;
  if (engine === 'postgres') {
    databaseUrl = options.databaseUrl ?? (await freshDatabaseUrl());
    secretFile = options.secretFile ?? (await writeSecretFile(await mkdtemp(join(tmpdir(), 'otherix-secret-'))));
  }
  const material =
    engine === 'sqlite'
      ? await initDataDir({ dataDir, advertiseHosts: options.advertiseHosts ?? [], now: clock.now })
      : await initReplica({ dataDir, databaseUrl: databaseUrl!, secretFile, advertiseHosts: options.advertiseHosts ?? [], now: clock.now });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  let app: FastifyInstance;
  try {
    app = await buildApp({
      store: material.store,
      ca: material.ca,
      serving: material.serving,
      certificates: material.certificates,
      caKeys: material.caKeys,
      now: clock.now,
      logger: options.captureLogs === undefined ? false : { level: options.captureLogs, stream },
      joinGuessLimit: options.joinGuessLimit ?? 1000,
      controlPlaneHosts: material.controlPlaneHosts,
      ...(options.listener === undefined ? {} : { listener: options.listener }),
      ...(options.nodeCertLifetimeMs === undefined ? {} : { nodeCertLifetimeMs: options.nodeCertLifetimeMs }),
    });
  } catch (error) {
    await material.store.close(); // and the data dir's lock with it
    throw error;
  }
  options.configure?.(app);
  await app.listen({ host: options.listenHost ?? '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  const url = `https://127.0.0.1:${address.port}`;
  // A replica that joined a cluster has no admin.token (the first replica does).
  const adminToken = (await readFile(material.files.adminToken, 'utf8').catch(() => '')).trim();
  return {
    engine,
    databaseUrl,
    secretFile,
    url,
    caPem: material.ca.certPem,
    caFingerprint: material.ca.fingerprint,
    adminToken,
    dataDir,
    clock,
    app,
    store: material.store,
    ca: material.ca,
    clientCertificate: material.client,
    logs,
    warnings: material.warnings,
    close: async () => {
      await closeAgentsFor(material.ca.certPem);
      await app.close();
      if (options.dataDir === undefined && options.keepDataDir !== true) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// --- raw HTTPS calls ---

export interface ApiOptions {
  /** An API token, sent as Authorization: Bearer. */
  token?: string;
  /** JSON-encoded and sent with Content-Type: application/json. */
  body?: unknown;
  /** Sent as is (with Content-Type: application/json unless headers say otherwise). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** A client certificate (mTLS), e.g. a node's. */
  cert?: KeyPairPem;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
  text: string;
}

const agents = new Map<string, Agent>();

function agentFor(caPem: string, cert?: KeyPairPem): Agent {
  const key = `${caPem}\u0000${cert?.certPem ?? ''}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = new Agent({
      // A loaded CI machine can take seconds per TLS handshake under a burst: be patient (default 10 s).
      connect: { ca: caPem, timeout: 30_000, ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }) },
      connections: 64,
    });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the pooled connections to a CP; `destroy` aborts requests still in flight (after a kill). */
async function closeAgentsFor(caPem: string, how: 'close' | 'destroy' = 'close'): Promise<void> {
  const closing: Promise<void>[] = [];
  for (const [key, agent] of agents) {
    if (key.startsWith(`${caPem}\u0000`)) {
      agents.delete(key);
      closing.push(how === 'close' ? agent.close() : agent.destroy());
    }
  }
  await Promise.all(closing);
}

export async function api<T = any>(
  target: ApiTarget,
  method: Dispatcher.HttpMethod,
  path: string,
  options: ApiOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  const response = await request(`${target.url}${path}`, { method, headers, body, dispatcher: agentFor(target.caPem, options.cert) });
  const text = await response.body.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body: parsed as T, text };
}

// --- the real binary ---

export interface SpawnControlPlaneOptions {
  /** Default a fresh temp folder (not removed: pass it again to restart, remove it yourself). */
  dataDir?: string;
  /** Extra flags after `serve --data-dir D --listen 127.0.0.1:0`. */
  args?: string[];
  env?: Record<string, string>;
  /** Give the data dir and listen address as OTHERIX_SERVER__DATA_DIR / __LISTEN instead of flags. */
  settingsFromEnv?: boolean;
  /** Default 127.0.0.1:0; a fixed port restarts a CP where its agents expect it. */
  listen?: string;
  /** The otherix-server script to run; default the repository's build (an installed package's bin for the packaging test). */
  bin?: string;
  /**
   * Words to run it under (small-filesystem.ts's onNearlyFullTmpfs: a data dir on a tmpfs of its
   * own mount namespace). The returned dataDir is then the data dir as this process reaches it
   * while the CP runs (/proc/<pid>/root/...).
   */
  prefix?: string[];
}

export interface SpawnedControlPlane extends ApiTarget {
  caFingerprint: string;
  adminToken: string;
  dataDir: string;
  /** The client certificate the CP presents to agents, as it started (client.crt, client.key in its data dir). */
  clientCertificate: KeyPairPem;
  child: ChildProcess;
  /** Everything the child wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Sends the signal (default SIGTERM) and resolves with the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, no chance to clean up. */
  kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const LISTENING_LINE = /otherix-server listening on (https:\/\/\S+) \(CA fingerprint (sha256:[0-9a-f]{64});/;

/** Runs `otherix-server` to completion (for ca-fingerprint, refusals, usage errors). */
export function runServerBinary(
  args: string[],
  env: Record<string, string> = {},
  options: { prefix?: string[] } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // `prefix`: words to run it under (small-filesystem.ts's onNearlyFullTmpfs), the command after them.
  const [command, ...argv] = [...(options.prefix ?? []), process.execPath, OTHERIX_SERVER_BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // 'close', not 'exit': on a loaded machine the last output can still be in the pipe at 'exit'.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function spawnControlPlane(options: SpawnControlPlaneOptions = {}): Promise<SpawnedControlPlane> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'otherix-cp-bin-')));
  const settings = { dataDir, listen: options.listen ?? '127.0.0.1:0' };
  const [command, ...prefixArgs] = [...(options.prefix ?? []), process.execPath];
  const child = spawn(
    command,
    [
      ...prefixArgs,
      options.bin ?? OTHERIX_SERVER_BIN,
      'serve',
      ...(options.settingsFromEnv ? [] : ['--data-dir', settings.dataDir, '--listen', settings.listen]),
      ...(options.args ?? []),
    ],
    {
      env: {
        ...process.env,
        ...(options.settingsFromEnv ? { OTHERIX_SERVER__DATA_DIR: settings.dataDir, OTHERIX_SERVER__LISTEN: settings.listen } : {}),
        ...(options.env ?? {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  // 'close', not 'exit': output() must hold everything the child wrote (e.g. its shutdown line),
  // which on a loaded machine can still be in the pipe when 'exit' fires.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const listening = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = LISTENING_LINE.exec(stderr);
      if (match !== null) resolve(match);
    });
    void exited.then(({ code, signal }) =>
      reject(
        new Error(
          `otherix-server exited (${code ?? signal}) before listening${signal === 'SIGKILL' ? ` (killed by the harness after ${START_LIMIT_MS / 1000} s)` : ''}:\n${stderr}`,
        ),
      ),
    );
  });
  // A start takes well under a second on a quiet machine; under a parallel test run on 2 shared
  // cores it has taken over 30 s. The limit only catches a CP that hangs.
  const timeout = setTimeout(() => child.kill('SIGKILL'), START_LIMIT_MS);
  let match: RegExpExecArray;
  try {
    match = await listening;
  } finally {
    clearTimeout(timeout);
  }
  // Under a prefix the data dir is in the child's mount namespace (unshare and sh exec, so its pid is the CP's).
  const filesDir = options.prefix === undefined ? dataDir : join(`/proc/${child.pid}/root`, dataDir);
  const caPem = await readFile(join(filesDir, 'ca.crt'), 'utf8');
  // A second replica on PostgreSQL has no admin.token.
  const adminToken = (await readFile(join(filesDir, 'admin.token'), 'utf8').catch(() => '')).trim();
  const clientCertificate = {
    certPem: await readFile(join(filesDir, 'client.crt'), 'utf8'),
    keyPem: await readFile(join(filesDir, 'client.key'), 'utf8'),
  };
  // The signal goes first: closing the client pool first would wait for requests in flight.
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const exit = await exited;
    await closeAgentsFor(caPem, 'destroy');
    return exit;
  };
  return {
    url: match[1],
    caPem,
    caFingerprint: match[2],
    adminToken,
    dataDir: filesDir,
    clientCertificate,
    child,
    output: () => ({ stdout, stderr }),
    stop,
    kill9: () => stop('SIGKILL'),
  };
}

/**
 * For a test file that spawns replicas on the shared embedded PostgreSQL: the replicas and folders
 * it pushes here are killed (SIGKILL) and removed after its tests, then PostgreSQL is stopped.
 */
export function replicasForFile(test: TestFn): { folders: string[]; running: SpawnedControlPlane[] } {
  const folders: string[] = [];
  const running: SpawnedControlPlane[] = [];
  test.after.always(async () => {
    for (const cp of running) await cp.stop('SIGKILL').catch(() => undefined);
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
    await stopPostgres();
  });
  return { folders, running };
}
