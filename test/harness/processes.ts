// A child process run to its end: what it wrote and how it exited; and one seen stopped.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { eventually } from './loopback.js';

export interface ChildOutput {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's stdout and stderr (spawned with both piped) as text until it closes; rejects if it could not start. */
export function childOutput(child: ChildProcess): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}

/** Resolves once process `pid` is stopped (state T in /proc/<pid>/stat; Linux): it reached its stop step. */
export async function waitUntilStopped(pid: number): Promise<void> {
  await eventually(
    async () => (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').charAt(0),
    (state) => state === 'T',
    30_000,
  );
}
