// Atomic writes: exact modes from the first byte, no temp files left, and a file set that is
// always the old one or the new one, even when the writer dies at any step (crash injection).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOtherixError } from '@otherix/sdk';
import { readFileSetState, removeWriteLeftovers, writeFileAtomic, writeFileSetAtomic } from '@otherix/sdk/internal';
import type { FileSpec } from '@otherix/sdk/internal';
import { CRASH_EXIT_CODE, CRASH_STEPS, crashAtEnv } from '../harness/crash-points.js';
import type { CrashStep } from '../harness/crash-points.js';
import { REPO_ROOT } from '../harness/paths.js';

// Modes must be exactly what is asked, not what the umask leaves.
process.umask(0);

const roots: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otherix-atomic-'));
  roots.push(dir);
  return dir;
}

test.after.always(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string): number => statSync(path).mode & 0o777;
const NAMES = ['agent.key', 'agent.crt', 'ca.crt'];

function certSet(tag: string): FileSpec[] {
  return [
    { name: 'agent.key', data: `key ${tag}\n`, mode: 0o600 },
    { name: 'agent.crt', data: `cert ${tag}\n`, mode: 0o644 },
    { name: 'ca.crt', data: new TextEncoder().encode(`ca ${tag}\n`), mode: 0o644 },
  ];
}

function contents(dir: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of NAMES) {
    try {
      out[name] = readFileSync(join(dir, name), 'utf8');
    } catch {
      out[name] = null;
    }
  }
  return out;
}

const expectedContents = (tag: string): Record<string, string> => ({
  'agent.key': `key ${tag}\n`,
  'agent.crt': `cert ${tag}\n`,
  'ca.crt': `ca ${tag}\n`,
});
const NOTHING = { 'agent.key': null, 'agent.crt': null, 'ca.crt': null };

const generations = (dir: string): string[] => readdirSync(dir).filter((e) => /^\.\.\d+-[0-9a-f]+$/.test(e));

test('writeFileAtomic writes exact modes (0600, 0644) under umask 0 and leaves no temp file', async (t) => {
  const dir = tempDir();
  await writeFileAtomic(join(dir, 'secret'), 'top secret', { mode: 0o600 });
  await writeFileAtomic(join(dir, 'public'), new Uint8Array([1, 2, 3]), { mode: 0o644 });
  t.is(mode(join(dir, 'secret')), 0o600);
  t.is(mode(join(dir, 'public')), 0o644);
  t.is(readFileSync(join(dir, 'secret'), 'utf8'), 'top secret');
  t.deepEqual([...readFileSync(join(dir, 'public'))], [1, 2, 3]);
  t.deepEqual(readdirSync(dir).sort(), ['public', 'secret']);
});

test('writeFileAtomic replaces content and mode of an existing file', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'config.yaml');
  writeFileSync(path, 'old', { mode: 0o666 });
  await writeFileAtomic(path, 'new', { mode: 0o600 });
  t.is(readFileSync(path, 'utf8'), 'new');
  t.is(mode(path), 0o600);
  t.deepEqual(readdirSync(dir), ['config.yaml']);
});

test('writeFileAtomic failures are file_write_failed and leave no temp file', async (t) => {
  const dir = tempDir();
  const missing = await t.throwsAsync(writeFileAtomic(join(dir, 'no-such-dir', 'f'), 'x', { mode: 0o600 }));
  t.true(isOtherixError(missing, 'file_write_failed'), String(missing));
  t.regex(missing.message, /ENOENT/);

  // The rename fails (a folder is in the way) after the temp file was written: it must go.
  mkdirSync(join(dir, 'occupied'));
  writeFileSync(join(dir, 'occupied', 'keep'), 'x');
  const error = await t.throwsAsync(writeFileAtomic(join(dir, 'occupied'), 'x', { mode: 0o600 }));
  t.true(isOtherixError(error, 'file_write_failed'), String(error));
  t.deepEqual(readdirSync(dir), ['occupied']);
});

test('writeFileSetAtomic: the AtomicWriter layout, exact modes, a 0700 folder', async (t) => {
  const dir = join(tempDir(), 'certs');
  await writeFileSetAtomic(dir, certSet('v1'));
  t.is(mode(dir), 0o700);
  t.deepEqual(contents(dir), expectedContents('v1'));
  t.is(mode(join(dir, 'agent.key')), 0o600);
  t.is(mode(join(dir, 'agent.crt')), 0o644);
  t.is(mode(join(dir, 'ca.crt')), 0o644);
  for (const name of NAMES) {
    t.true(lstatSync(join(dir, name)).isSymbolicLink());
    t.is(readlinkSync(join(dir, name)), join('..data', name));
  }
  const [generation, ...more] = generations(dir);
  t.deepEqual(more, []);
  t.is(readlinkSync(join(dir, '..data')), generation);
  t.is(mode(join(dir, generation)), 0o755);
  t.deepEqual(readdirSync(dir).sort(), ['..data', generation, ...NAMES].sort());
});

test('writeFileSetAtomic switches old -> new and removes the old generation', async (t) => {
  const dir = tempDir();
  await writeFileSetAtomic(dir, certSet('v1'));
  const [first] = generations(dir);
  await writeFileSetAtomic(dir, certSet('v2'));
  t.deepEqual(contents(dir), expectedContents('v2'));
  const after = generations(dir);
  t.is(after.length, 1);
  t.not(after[0], first);
  t.is(readlinkSync(join(dir, '..data')), after[0]);
  t.deepEqual(readdirSync(dir).sort(), ['..data', after[0], ...NAMES].sort());
});

test('writeFileSetAtomic refuses names that would escape the set', async (t) => {
  const dir = tempDir();
  for (const name of ['../x', 'a/b', '..data', '']) {
    const error = await t.throwsAsync(writeFileSetAtomic(dir, [{ name, data: 'x', mode: 0o600 }]));
    t.true(isOtherixError(error, 'usage'), name);
  }
  const dup = await t.throwsAsync(
    writeFileSetAtomic(dir, [
      { name: 'a', data: 'x', mode: 0o600 },
      { name: 'a', data: 'y', mode: 0o600 },
    ]),
  );
  t.true(isOtherixError(dup, 'usage'));
  t.deepEqual(readdirSync(dir), []);
});

test('readFileSetState: present, missing, and dangling links count as missing', async (t) => {
  const dir = tempDir();
  t.deepEqual(await readFileSetState(join(dir, 'absent'), NAMES), { present: [], missing: NAMES });
  await writeFileSetAtomic(dir, certSet('v1'));
  t.deepEqual(await readFileSetState(dir, [...NAMES, 'other']), { present: NAMES, missing: ['other'] });
  rmSync(join(dir, '..data'));
  t.deepEqual(await readFileSetState(dir, NAMES), { present: [], missing: NAMES });
});

/** Runs the built SDK's writer in a child that exits at `step`. */
function crashingWrite(step: CrashStep, call: 'set' | 'file', target: string, tag: string): number | null {
  const script =
    call === 'set'
      ? `import { writeFileSetAtomic } from '@otherix/sdk/internal';
         await writeFileSetAtomic(process.env.TARGET, JSON.parse(process.env.FILES));`
      : `import { writeFileAtomic } from '@otherix/sdk/internal';
         await writeFileAtomic(process.env.TARGET, 'content ' + process.env.TAG, { mode: 0o600 });`;
  const files = certSet(tag).map((file) => ({
    ...file,
    data: typeof file.data === 'string' ? file.data : new TextDecoder().decode(file.data),
  }));
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...crashAtEnv(step), TARGET: target, TAG: tag, FILES: JSON.stringify(files) },
    encoding: 'utf8',
  });
  if (result.status !== CRASH_EXIT_CODE && result.status !== 0) throw new Error(`child failed (${result.status}): ${result.stderr}`);
  return result.status;
}

const SET_STEPS = CRASH_STEPS.filter((step) => step !== 'after-temp-file');
const BEFORE_SWITCH: CrashStep[] = ['during-generation', 'after-generation', 'after-links', 'after-temp-link'];

for (const step of SET_STEPS) {
  test(`a crash at ${step} leaves the whole old set or the whole new one, and the next write cleans up`, async (t) => {
    const dir = tempDir();
    await writeFileSetAtomic(dir, certSet('old'));
    t.is(crashingWrite(step, 'set', dir, 'new'), CRASH_EXIT_CODE);
    const expected = BEFORE_SWITCH.includes(step) ? expectedContents('old') : expectedContents('new');
    t.deepEqual(contents(dir), expected);
    t.is(mode(join(dir, 'agent.key')), 0o600);
    t.deepEqual((await readFileSetState(dir, NAMES)).missing, []);

    // A crash can leave a generation behind; the next successful write removes it.
    await writeFileSetAtomic(dir, certSet('next'));
    t.deepEqual(contents(dir), expectedContents('next'));
    const left = generations(dir);
    t.is(left.length, 1);
    t.deepEqual(readdirSync(dir).sort(), ['..data', left[0], ...NAMES].sort());
  });

  test(`a crash at ${step} on a first write leaves nothing or everything`, async (t) => {
    const dir = join(tempDir(), 'certs');
    t.is(crashingWrite(step, 'set', dir, 'new'), CRASH_EXIT_CODE);
    const state = await readFileSetState(dir, NAMES);
    if (BEFORE_SWITCH.includes(step)) {
      t.deepEqual(state, { present: [], missing: NAMES });
      t.deepEqual(contents(dir), NOTHING);
    } else {
      t.deepEqual(state, { present: NAMES, missing: [] });
      t.deepEqual(contents(dir), expectedContents('new'));
    }
  });
}

test('a crash before the rename of writeFileAtomic leaves the old file intact', (t) => {
  const dir = tempDir();
  const path = join(dir, 'admin.token');
  writeFileSync(path, 'content old', { mode: 0o600 });
  t.is(crashingWrite('after-temp-file', 'file', path, 'new'), CRASH_EXIT_CODE);
  t.is(readFileSync(path, 'utf8'), 'content old');
  // The temp file a crash leaves behind already had the final mode, never a wider one.
  const temps = readdirSync(dir).filter((e) => e.startsWith('.admin.token.tmp-'));
  t.is(temps.length, 1);
  t.is(mode(join(dir, temps[0])), 0o600);
  t.is(readFileSync(join(dir, temps[0]), 'utf8'), 'content new');
  // Without the hook the same child completes the write, and removes the temp file the crash left.
  t.is(crashingWrite('after-cleanup', 'file', path, 'new'), 0);
  t.is(readFileSync(path, 'utf8'), 'content new');
  t.deepEqual(readdirSync(dir), ['admin.token']);
});

test('the next write of a name removes the temp files crashes left for that name, and only those', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, '.agent.yaml.tmp-0123456789ab'), 'half', { mode: 0o600 });
  writeFileSync(join(dir, '.agent.yaml.tmp-ba9876543210'), 'half', { mode: 0o600 });
  writeFileSync(join(dir, '.other.yaml.tmp-0123456789ab'), 'half', { mode: 0o600 });
  await writeFileAtomic(join(dir, 'agent.yaml'), 'whole', { mode: 0o600 });
  t.deepEqual(readdirSync(dir).sort(), ['.other.yaml.tmp-0123456789ab', 'agent.yaml']);
});

test('a set write removes the temp links and private-key temp files crashes left; removeWriteLeftovers cleans a folder at start', async (t) => {
  const dir = tempDir();
  await writeFileSetAtomic(dir, certSet('v1'));
  const [current] = generations(dir);
  // What crashes leave: a temp link, a key's temp file, a generation never switched to, a temp ..data.
  writeFileSync(join(dir, '.agent.key.tmp-0123456789ab'), 'half a key', { mode: 0o600 });
  writeFileSync(join(dir, '.agent.crt.link-0123456789ab'), 'x');
  mkdirSync(join(dir, '..1700000000000-abcdef012345'));
  writeFileSync(join(dir, '..1700000000000-abcdef012345', 'agent.key'), 'key', { mode: 0o600 });
  writeFileSync(join(dir, 'agent.yaml'), 'unrelated');

  const removed = await removeWriteLeftovers(dir);
  t.deepEqual(removed.sort(), ['..1700000000000-abcdef012345', '.agent.crt.link-0123456789ab', '.agent.key.tmp-0123456789ab'].sort());
  t.deepEqual(readdirSync(dir).sort(), ['..data', current, 'agent.yaml', ...NAMES].sort());
  t.deepEqual(contents(dir), expectedContents('v1'));
  t.deepEqual(await removeWriteLeftovers(dir), []);
  t.deepEqual(await removeWriteLeftovers(join(dir, 'absent')), []);

  writeFileSync(join(dir, '.agent.crt.link-0123456789ab'), 'x');
  await writeFileSetAtomic(dir, certSet('v2'));
  t.false(readdirSync(dir).includes('.agent.crt.link-0123456789ab'));
});

test('modes are exact whatever the umask: 0644 under umask 077, 0600 under umask 0', (t) => {
  const dir = tempDir();
  const script = `import { writeFileAtomic, writeFileSetAtomic } from '@otherix/sdk/internal';
    process.umask(0o077);
    await writeFileAtomic(process.env.TARGET + '/public.yaml', 'x', { mode: 0o644 });
    await writeFileSetAtomic(process.env.TARGET + '/certs', [{ name: 'ca.crt', data: 'ca', mode: 0o644 }, { name: 'agent.key', data: 'k', mode: 0o600 }]);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, TARGET: dir },
    encoding: 'utf8',
  });
  t.is(result.status, 0, result.stderr);
  t.is(mode(join(dir, 'public.yaml')), 0o644);
  t.is(mode(join(dir, 'certs', 'ca.crt')), 0o644);
  t.is(mode(join(dir, 'certs', 'agent.key')), 0o600);
  t.is(mode(join(dir, 'certs')), 0o700);
  t.is(mode(join(dir, 'certs', readlinkSync(join(dir, 'certs', '..data')))), 0o755);
});

test('a crash mid-generation leaves a key file that was 0600 from its first byte', async (t) => {
  const dir = tempDir();
  await writeFileSetAtomic(dir, certSet('old'));
  t.is(crashingWrite('during-generation', 'set', dir, 'new'), CRASH_EXIT_CODE);
  const current = readlinkSync(join(dir, '..data'));
  const orphan = generations(dir).find((g) => g !== current)!;
  t.truthy(orphan);
  t.is(mode(join(dir, orphan, 'agent.key')), 0o600);
  t.is(readFileSync(join(dir, orphan, 'agent.key'), 'utf8'), 'key new\n');
  t.deepEqual(contents(dir), expectedContents('old'));
});
