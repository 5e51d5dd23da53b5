// Runs the real `otherix` binary as a child process, with HOME and XDG_CONFIG_HOME in a temp
// folder and no OTHERIX_* variable inherited from the developer's shell.
import type { ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './paths.js';

/** cli/dist/main.js, from test/dist/helpers/cli.js. */
export const OTHERIX_BIN = repoPath('cli/dist/main.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CliHome {
  /** HOME of the child. */
  home: string;
  /** XDG_CONFIG_HOME of the child. */
  configHome: string;
  /** Where `otherix login` writes without OTHERIX_CONFIG: $XDG_CONFIG_HOME/otherix/config.yaml. */
  configPath: string;
  /** Runs `otherix <args>` with this home and the extra environment. */
  run(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  remove(): Promise<void>;
}

/** The environment that points `otherix` at `cp` (pinned by its CA fingerprint) with `token`: no login needed. */
export function cliEnv(cp: { url: string; caFingerprint: string }, token: string): Record<string, string> {
  return { OTHERIX_CP_URL: cp.url, OTHERIX_CA_FINGERPRINT: cp.caFingerprint, OTHERIX_TOKEN: token };
}

export async function makeCliHome(): Promise<CliHome> {
  const home = await mkdtemp(join(tmpdir(), 'otherix-cli-home-'));
  const configHome = join(home, '.config');
  return {
    home,
    configHome,
    configPath: join(configHome, 'otherix', 'config.yaml'),
    run: (args, env = {}) => runOtherix(args, { HOME: home, XDG_CONFIG_HOME: configHome, ...env }),
    remove: () => rm(home, { recursive: true, force: true }),
  };
}

export function runOtherix(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [OTHERIX_BIN, ...args],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        // An ExecFileException is an Error; @types/node declares it through Omit<>, which hides that.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- see above
        if (error !== null && typeof error.code !== 'number') return reject(error);
        resolve({ exitCode: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

/** Splits a printed command line (`otherix node join-token list --cursor c --limit 2`) into argv. */
export function argvOfPrintedCommand(line: string): string[] {
  const words = line.match(/'[^']*'|\S+/g) ?? [];
  const argv = words.map((word) => (word.startsWith("'") ? word.slice(1, -1) : word));
  if (argv[0] !== 'otherix') throw new Error(`not an otherix command: ${line}`);
  return argv.slice(1);
}

/**
 * Runs `otherix <args>` in `home` with `env`, then each command a page prints on its last line
 * ("Next page: otherix ..."), until a page prints none or `maxPages` ran. Every run must exit 0
 * and every printed command match `nextPage`. The pages' stdout, in order.
 */
export async function followNextPages(
  t: ExecutionContext,
  home: CliHome,
  env: Record<string, string>,
  args: string[],
  nextPage: RegExp,
  maxPages = 10,
): Promise<string[]> {
  const pages: string[] = [];
  for (let page = 0; page < maxPages; page++) {
    const run = await home.run(args, env);
    t.is(run.exitCode, 0, run.stderr);
    pages.push(run.stdout);
    const last = run.stdout.trimEnd().split('\n').at(-1)!;
    if (!last.startsWith('Next page: ')) break;
    t.regex(last, nextPage);
    args = argvOfPrintedCommand(last.slice('Next page: '.length));
  }
  return pages;
}

/** The header cells of a rendered table (columns are separated by runs of spaces). */
export function tableHeader(stdout: string): string[] {
  return (stdout.split('\n')[0] ?? '').trim().split(/\s{2,}/);
}

/** The data rows of a rendered table, cells split on runs of two or more spaces. */
export function tableRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '' && !line.startsWith('Next page: '))
    .map((line) => line.trim().split(/\s{2,}/));
}
