// A real bash, for what a person pastes or sources: a printed command run as printed, a
// completion script loaded. The three binaries are on its PATH under their installed names
// (`otherix`, `otherix-agent`, `otherix-server`: small sh wrappers around the built dist/main.js),
// and its environment is clean (PATH, HOME, TMPDIR, LANG, no inherited OTHERIX_*) plus `env`.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './paths.js';
import { childOutput } from './processes.js';

const BINARIES: Record<string, string> = {
  otherix: 'cli/dist/main.js',
  'otherix-agent': 'agent/dist/main.js',
  'otherix-server': 'server/dist/main.js',
};

export interface ShellRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface Shell {
  /** The folder holding the binaries' wrappers (first on PATH). */
  binDir: string;
  /** Runs `script` in `bash --norc --noprofile -c`, with `stdin` written to its standard input. */
  run(script: string, options?: { env?: Record<string, string>; stdin?: string }): Promise<ShellRun>;
  remove(): Promise<void>;
}

export async function makeShell(): Promise<Shell> {
  const binDir = await mkdtemp(join(tmpdir(), 'otherix-bin-'));
  for (const [name, main] of Object.entries(BINARIES)) {
    const wrapper = join(binDir, name);
    await writeFile(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${repoPath(main)}' "$@"\n`);
    await chmod(wrapper, 0o755);
  }
  const baseEnv: Record<string, string> = { PATH: `${binDir}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
  for (const name of ['HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) baseEnv[name] = value;
  }
  return {
    binDir,
    run: async (script, options = {}) => {
      const child = spawn('bash', ['--norc', '--noprofile', '-c', script], {
        env: { ...baseEnv, ...(options.env ?? {}) },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const output = childOutput(child);
      // A script that exits without reading its input closes the pipe first (EPIPE): nothing to report.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin ?? '');
      const { exitCode, stdout, stderr } = await output;
      return { exitCode, stdout, stderr };
    },
    remove: () => rm(binDir, { recursive: true, force: true }),
  };
}
