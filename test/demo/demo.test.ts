// `npm run demo` is one of the README's two promises: run it as a user would and check that it
// shows the node ready, never prints a whole token, and leaves nothing behind.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../harness/paths.js';

test('the demo joins node-1, shows it ready, masks tokens and cleans up', async (t) => {
  t.timeout(120_000);
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts/demo.mjs')], {
    cwd: REPO_ROOT,
    timeout: 110_000,
  });
  t.regex(stdout, /node-1\s+ready\s+amd64|node-1\s+ready\s+\w+/);
  t.regex(stdout, /CONSUMED-AT/);
  t.regex(stdout, /otx_join_[A-Za-z0-9_-]{4}…/);
  t.notRegex(stdout, /otx_(join|api)_[A-Za-z0-9_-]{43}/, 'a whole token reached the screen');
  const dir = stdout.match(/\$DEMO=(\S+)/)?.[1];
  t.truthy(dir);
  t.false(existsSync(dir!), 'the temp folder was not removed');
  t.regex(stdout, /node-1 joined and is ready/);
});
