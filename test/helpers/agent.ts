// Runs the real `otherix-agent` binary as a child process and collects what it said.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const AGENT_BIN = fileURLToPath(new URL('../../../agent/dist/main.js', import.meta.url));

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

export function runAgent(args: string[], options: RunAgentOptions = {}): Promise<AgentRun> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.env ?? {});
  let [command, argv]: [string, string[]] =
    options.umask === undefined
      ? [process.execPath, [AGENT_BIN, ...args]]
      : ['sh', ['-c', `umask ${options.umask.toString(8).padStart(3, '0')}; exec "$0" "$@"`, process.execPath, AGENT_BIN, ...args]];
  if (options.prefix !== undefined && options.prefix.length > 0) [command, argv] = [options.prefix[0]!, [...options.prefix.slice(1), command, ...argv]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}

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

/** The seed's bootstrap command line, without a token source (each test picks its own). */
export function bootstrapArgs(flags: BootstrapFlags): string[] {
  return [
    'bootstrap',
    '--ca-fingerprint', flags.caFingerprint,
    '--cp-url', flags.cpUrl,
    '--node-name', flags.nodeName,
    '--advertised-endpoint', flags.advertisedEndpoint ?? 'https://127.0.0.1:9443',
    '--migration-host', flags.migrationHost ?? '127.0.0.1',
    '--cert-dir', flags.certDir,
    '--config-path', flags.configPath,
    ...(flags.extra ?? []),
  ];
}

export interface NodeHost {
  /** A temp folder standing for the node's file system. */
  root: string;
  certDir: string;
  configPath: string;
  remove(): Promise<void>;
}

/** A fresh temp "host": cert dir and agent.yaml path inside it, neither created yet. */
export async function makeNodeHost(): Promise<NodeHost> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
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
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}
