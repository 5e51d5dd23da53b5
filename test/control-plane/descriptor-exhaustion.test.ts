// Out of file descriptors, a Node server resets new connections without a word (libuv accepts
// and closes them). The CP watches its own descriptors against its limit and says it once per
// episode, with what to do, and once when it is over (issue 13 item 10). The real binary runs
// under `ulimit -n 128` and the test holds real TLS connections open until the CP is near it.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OTHERIX_SERVER_BIN } from '../harness/control-plane.js';

const LIMIT = 128;

interface LogLine {
  level: string;
  msg: string;
  resource?: string;
}

test('near its descriptor limit the CP logs it once with the fix, and once when it recovers', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-fds-'));
  const child = spawn(
    'sh',
    [
      '-c',
      `ulimit -n ${LIMIT} && exec "$0" "$@"`,
      process.execPath,
      OTHERIX_SERVER_BIN,
      'serve',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const sockets: TLSSocket[] = [];
  const resourceLines = (): LogLine[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.resource === 'file_descriptors');
  /** Polls the log (the CP samples its descriptors every few seconds); fails after a minute. */
  const waitFor = async (what: string, done: () => boolean): Promise<void> => {
    for (let i = 0; i < 600 && !done(); i++) await sleep(100);
    if (!done()) throw new Error(`no ${what} in the log:\n${stdout}\n${stderr}`);
  };
  try {
    await waitFor('listening line', () => /listening on https:\/\/127\.0\.0\.1:(\d+)/.test(stderr));
    const port = Number(/listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    // Real TLS connections, each holding one of the CP's descriptors, until it is past 90%.
    for (let i = 0; i < LIMIT && resourceLines().length === 0; i++) {
      const socket = await new Promise<TLSSocket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(s));
        s.on('error', reject);
      }).catch(() => undefined);
      if (socket === undefined) break; // the CP is out: a reset, as libuv does
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    await waitFor('descriptor alarm', () => resourceLines().length > 0);
    const [alarm] = resourceLines();
    t.is(alarm.level, 'error');
    // Sampled near the limit (`N open of a limit of 128`), or at it (reading /proc itself fails with EMFILE).
    t.regex(alarm.msg, new RegExp(`out of file descriptors \\(EMFILE/ENFILE(: \\d+ open of a limit of ${LIMIT})?\\)`));
    t.regex(alarm.msg, /raise the limit \(LimitNOFILE= in the systemd unit, or ulimit -n\)/);

    for (const socket of sockets.splice(0)) socket.destroy();
    await waitFor('recovery', () => resourceLines().length > 1);
    t.regex(resourceLines()[1].msg, /^recovered: file descriptors are back under the limit/);
    t.is(resourceLines().length, 2, 'said once per episode');
  } finally {
    for (const socket of sockets) socket.destroy();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('close', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
});
