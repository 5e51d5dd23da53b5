// The real `otherix-agent` binary as a child process: a run to its end (bootstrap, version) with
// what it said, or `serve` with its JSON-line log parsed as it arrives, so tests wait for what the
// agent says (a state, a failure) instead of sleeping. Also the seed's bootstrap command line, and
// temp "node hosts" for the files it writes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './paths.js';
import { childOutput } from './processes.js';

export const AGENT_BIN = repoPath('agent/dist/main.js');

export interface AgentRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunAgentOptions {
  /** Added to a clean environment (PATH and HOME kept, no inherited OTHERIX_*). */
  env?: Record<string, string>;
  /** Run under this umask through `sh -c 'umask …; exec node …'`, e.g. 0o000. */
  umask?: number;
  cwd?: string;
  /** A command that runs `node <agent> <args>` for us, e.g. in a mount namespace: its words go first. */
  prefix?: string[];
}

/** A clean environment for the agent: PATH, HOME, TMPDIR and LANG kept, no inherited OTHERIX_*, plus `extra`. */
function agentEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return Object.assign(env, extra);
}

export function runAgent(args: string[], options: RunAgentOptions = {}): Promise<AgentRun> {
  const env = agentEnv(options.env);
  let [command, argv]: [string, string[]] =
    options.umask === undefined
      ? [process.execPath, [AGENT_BIN, ...args]]
      : ['sh', ['-c', `umask ${options.umask.toString(8).padStart(3, '0')}; exec "$0" "$@"`, process.execPath, AGENT_BIN, ...args]];
  if (options.prefix !== undefined && options.prefix.length > 0)
    [command, argv] = [options.prefix[0], [...options.prefix.slice(1), command, ...argv]];
  return childOutput(spawn(command, argv, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
}

// --- serve ---

export interface LogRecord {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface ServeProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  records: LogRecord[];
  /** Everything on stderr, raw (for failure messages and secret checks). */
  stderr(): string;
  /** Resolves with the first record (past or future) that matches; rejects after timeoutMs. */
  waitForLog(match: (record: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startServe(
  args: string[],
  env: Record<string, string> = {},
  options: Pick<RunAgentOptions, 'cwd' | 'prefix'> = {},
): ServeProcess {
  const [command, ...argv] = [...(options.prefix ?? []), process.execPath, AGENT_BIN, ...args];
  const child = spawn(command, argv, { env: agentEnv(env), cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const records: LogRecord[] = [];
  const waiters: Array<{ match: (record: LogRecord) => boolean; resolve: (record: LogRecord) => void }> = [];
  let raw = '';
  let pending = '';
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      let record: LogRecord;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        continue; // not a log record (a crash would print one line: keep it in raw)
      }
      records.push(record);
      for (const waiter of [...waiters]) {
        if (waiter.match(record)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(record);
        }
      }
    }
  });
  // 'close', not 'exit': the last log records can still be in the pipe when 'exit' fires.
  const exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));

  const waitForLog = (match: (record: LogRecord) => boolean, timeoutMs = 20_000): Promise<LogRecord> => {
    const seen = records.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`no matching log record within ${timeoutMs} ms; stderr so far:\n${raw}`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (record: LogRecord) => {
          clearTimeout(timer);
          resolve(record);
        },
      };
      waiters.push(waiter);
    });
  };

  return {
    child,
    records,
    stderr: () => raw,
    waitForLog,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

// --- bootstrap ---

export interface BootstrapFlags {
  cpUrl: string;
  caFingerprint: string;
  nodeName: string;
  certDir: string;
  configPath: string;
  advertisedEndpoint?: string;
  migrationHost?: string;
  extra?: string[];
}

/** The flags of an agent that listens on 127.0.0.1:`port` and beats every 200 ms (for bootstrapArgs' `extra`). */
export function fastAgentFlags(port: number): string[] {
  return ['--listen', `127.0.0.1:${port}`, '--heartbeat-interval', '200ms'];
}

/**
 * Mints a join token bound to `flags.nodeName` and runs the real bootstrap with it, the token
 * from the environment (never argv); the CP's URL and fingerprint from `cp`. The run and the token.
 */
export async function bootstrapWithBoundToken(
  cp: { url: string; caFingerprint: string },
  admin: { joinTokens: { create(body: { node_name: string; ttl_seconds: number }): Promise<{ token: string }> } },
  flags: Omit<BootstrapFlags, 'cpUrl' | 'caFingerprint'>,
  options: Omit<RunAgentOptions, 'env'> & { env?: Record<string, string> } = {},
): Promise<AgentRun & { token: string }> {
  const minted = await admin.joinTokens.create({ node_name: flags.nodeName, ttl_seconds: 600 });
  const run = await bootstrapWithToken({ cpUrl: cp.url, caFingerprint: cp.caFingerprint, ...flags }, minted.token, options);
  return { ...run, token: minted.token };
}

/** Runs the real bootstrap with `flags` and `token`, the token from the environment (never argv). */
export function bootstrapWithToken(flags: BootstrapFlags, token: string, options: RunAgentOptions = {}): Promise<AgentRun> {
  return runAgent([...bootstrapArgs(flags), '--token-env', 'JOIN_TOKEN'], { ...options, env: { ...options.env, JOIN_TOKEN: token } });
}

/** The seed's bootstrap command line, without a token source (each test picks its own). */
export function bootstrapArgs(flags: BootstrapFlags): string[] {
  return [
    'bootstrap',
    '--ca-fingerprint',
    flags.caFingerprint,
    '--cp-url',
    flags.cpUrl,
    '--node-name',
    flags.nodeName,
    '--advertised-endpoint',
    flags.advertisedEndpoint ?? 'https://127.0.0.1:9443',
    '--migration-host',
    flags.migrationHost ?? '127.0.0.1',
    '--cert-dir',
    flags.certDir,
    '--config-path',
    flags.configPath,
    ...(flags.extra ?? []),
  ];
}

export interface NodeHost {
  /** A temp folder standing for the node's file system. */
  root: string;
  certDir: string;
  configPath: string;
  remove: () => Promise<void>;
}

/** A fresh temp "host": cert dir and agent.yaml path inside it, neither created yet. */
export async function makeNodeHost(): Promise<NodeHost> {
  const root = await mkdtemp(join(tmpdir(), 'otherix-node-host-'));
  return {
    root,
    certDir: join(root, 'var', 'lib', 'otherix', 'certs'),
    configPath: join(root, 'etc', 'otherix', 'agent.yaml'),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** Every entry under `dir` (relative paths, symlinks not followed), sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}
