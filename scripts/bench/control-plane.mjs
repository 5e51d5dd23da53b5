// The real `otherix-server` binary as a child process, so the load generator never shares its
// event loop. Logs at warn: per-request info lines would measure the log pipe, not the CP
// (the figure with the default level is measured separately, see bench.mjs).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN } from './paths.mjs';
import { within } from './stats.mjs';

const LISTENING = /otherix-server listening on (https:\/\/\S+) \(CA fingerprint (sha256:[0-9a-f]{64});/;
const METRICS = /otherix-server metrics on (http:\/\/\S+)/;

/**
 * `metrics`: serve with --metrics-listen; `args`: more flags for `serve` (a PostgreSQL replica's
 * --database-url and --secret-file); `bin` and `env`: another build's entry point and more
 * environment (ab.mjs).
 */
export async function startControlPlane(
  dataDir,
  { logLevel = 'warn', nodeArgs = [], metrics = false, args = [], bin = BIN.server, env = {} } = {},
) {
  const metricsArgs = metrics ? ['--metrics-listen', '127.0.0.1:0'] : [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, bin, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', logLevel, ...metricsArgs, ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let stderr = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      // Keep the head (the listening line) and a short tail for error messages only.
      if (stderr.length < 64 * 1024) stderr += chunk;
      const match = LISTENING.exec(stderr);
      if (match !== null && (!metrics || METRICS.test(stderr))) resolve(match);
    });
    // exited never rejects; an exit after listening makes this reject a settled promise, a no-op.
    void exited.then(({ code, signal }) => reject(new Error(`otherix-server exited (${code ?? signal}) before listening:\n${stderr}`)));
  });
  let match;
  try {
    match = await within(30_000, 'otherix-server start', listening);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const caPem = await readFile(path.join(dataDir, 'ca.crt'), 'utf8');
  // A second PostgreSQL replica has no admin.token (the first one wrote it).
  const adminToken = (await readFile(path.join(dataDir, 'admin.token'), 'utf8').catch(() => '')).trim();
  return {
    url: match[1],
    metricsUrl: metrics ? METRICS.exec(stderr)[1] : undefined,
    caFingerprint: match[2],
    caPem,
    adminToken,
    dataDir,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      try {
        return await within(15_000, 'otherix-server shutdown', exited);
      } catch (error) {
        child.kill('SIGKILL');
        throw error;
      }
    },
  };
}
