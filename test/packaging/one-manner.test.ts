// The three binaries share one manner: each prints `<binary> <version>` for `version` and
// `--version`, each reports a failure as one line `error: <code>: <message>` (the server too),
// and the CP and the agent log in one JSON format (README "Logs": string level, ISO time).
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoPath } from '../harness/paths.js';
import { runServerBinary, spawnControlPlane } from '../harness/control-plane.js';

const run = promisify(execFile);
const BINARIES = { 'otherix-server': 'server', otherix: 'cli', 'otherix-agent': 'agent' } as const;

async function versionOf(workspace: string): Promise<string> {
  return (JSON.parse(await readFile(repoPath(`${workspace}/package.json`), 'utf8')) as { version: string }).version;
}

async function runBinary(workspace: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const result = await run(process.execPath, [repoPath(`${workspace}/dist/main.js`), ...args]);
    return { code: 0, ...result };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

for (const [binary, workspace] of Object.entries(BINARIES)) {
  test(`${binary}: \`version\` and \`--version\` print "${binary} <version>" from its package.json`, async (t) => {
    const expected = `${binary} ${await versionOf(workspace)}\n`;
    for (const args of [['version'], ['--version'], ['-v']]) {
      const result = await runBinary(workspace, args);
      t.is(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      t.is(result.stdout, expected, args.join(' '));
    }
  });
}

test('otherix-server: a bad command line is one line `error: usage: ...` and exit 2, as in the CLI and the agent', async (t) => {
  for (const workspace of ['server', 'cli', 'agent']) {
    const result = await runBinary(workspace, ['--no-such-flag']);
    t.is(result.code, 2, `${workspace}: ${result.stderr}`);
    t.regex(result.stderr, /^error: usage: [^\n]+\n$/, workspace);
  }
  const unknown = await runBinary('server', ['no-such-command']);
  t.is(unknown.code, 2);
  t.is(unknown.stderr, 'error: usage: unknown command: no-such-command: run `otherix-server --help`\n');
});

test('otherix-server: a refusal and a failure to start are `error: <code>: <message>`, exit 1', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'otherix-manner-'));
  try {
    const refused = await runServerBinary(['ca-fingerprint', '--data-dir', join(empty, 'absent')]);
    t.is(refused.code, 1);
    t.regex(
      refused.stderr,
      /^error: data_dir_invalid: no cluster CA in \S+: start otherix-server once with --data-dir \S+ to create it\n$/,
    );
    const listening = await spawnControlPlane({ dataDir: join(empty, 'first') });
    try {
      // The same address twice: the second cannot listen, a failure that is not a refusal.
      const port = new URL(listening.url).port;
      const second = await runServerBinary(['serve', '--data-dir', join(empty, 'second'), '--listen', `127.0.0.1:${port}`]);
      t.is(second.code, 1);
      t.regex(second.stderr, /^error: internal: failed to start: listen EADDRINUSE[^\n]*\n$/m);
    } finally {
      await listening.stop();
    }
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The fields README "Logs" promises in every line, with their types. */
function schemaOf(line: string): Record<string, string> {
  const record = JSON.parse(line) as Record<string, unknown>;
  return {
    level: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(record['level'] as string)
      ? 'level name'
      : `bad level ${String(record['level'])}`,
    time: ISO_TIME.test(String(record['time'])) ? 'ISO time' : `bad time ${String(record['time'])}`,
    pid: typeof record['pid'] === 'number' ? 'number' : `bad pid ${String(record['pid'])}`,
    hostname: typeof record['hostname'] === 'string' ? 'string' : 'bad hostname',
    msg: typeof record['msg'] === 'string' ? 'string' : 'bad msg',
    leading: Object.keys(record).slice(0, 4).join(','),
  };
}

test('the CP and the agent log the same JSON format: level name, ISO time, pid, hostname, msg', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'otherix-manner-logs-'));
  try {
    const cp = await spawnControlPlane({ dataDir: join(home, 'cp') });
    await cp.stop();
    const cpLines = cp
      .output()
      .stdout.split('\n')
      .filter((line) => line.startsWith('{'));
    t.true(cpLines.length > 0, cp.output().stdout);

    // An agent without its config waits in State A and says so in a log line.
    const agent = spawn(
      process.execPath,
      [repoPath('agent/dist/main.js'), 'serve', '--config', join(home, 'agent.yaml'), '--poll-interval', '1s'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const agentLine = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      agent.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const line = stderr.split('\n').find((candidate) => candidate.startsWith('{'));
        if (line !== undefined) resolve(line);
      });
      agent.on('close', () => reject(new Error(`the agent exited before logging: ${stderr}`)));
    });
    agent.kill('SIGTERM');

    const expected = {
      level: 'level name',
      time: 'ISO time',
      pid: 'number',
      hostname: 'string',
      msg: 'string',
      leading: 'level,time,pid,hostname',
    };
    for (const line of cpLines) t.deepEqual(schemaOf(line), expected, line);
    t.deepEqual(schemaOf(agentLine), expected, agentLine);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
