// Secret files and the data dir are checked at every start (issue 12 item 6): server.key,
// client.key, admin.token and otherix.db readable by group or others, or a data dir that group or
// others can write, stop the start with exit 1 and the chmod to run; nothing is changed, and
// after the chmod the CP starts. A first start creates otherix.db 0600.
import test from 'ava';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerBinary, spawnControlPlane } from '../harness/control-plane.js';

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
const serve = (dataDir: string) => runServerBinary(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);

/** A data dir after one clean start and stop. */
async function initialisedDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-modes-'));
  const cp = await spawnControlPlane({ dataDir });
  await cp.stop();
  return dataDir;
}

test('a first start creates otherix.db 0600, and its -wal and -shm follow', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'otherix-modes-first-'));
  const cp = await spawnControlPlane({ dataDir });
  try {
    t.is(await mode(join(dataDir, 'otherix.db')), 0o600);
    t.is(await mode(join(dataDir, 'otherix.db-wal')), 0o600);
    t.is(await mode(join(dataDir, 'otherix.db-shm')), 0o600);
  } finally {
    await cp.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

for (const [file, loose] of [
  ['server.key', 0o644],
  ['client.key', 0o640],
  ['admin.token', 0o604],
  ['otherix.db', 0o644],
  ['ca.key', 0o660],
] as const) {
  test(`${file} with mode ${loose.toString(8)} stops the start with the chmod to run; after it the CP starts`, async (t) => {
    const dataDir = await initialisedDataDir();
    try {
      const path = join(dataDir, file);
      const before = await readFile(path);
      await chmod(path, loose);
      const refused = await serve(dataDir);
      t.is(refused.code, 1);
      t.true(refused.stderr.includes(`${path} is readable by group or others (mode 0${loose.toString(8)})`), refused.stderr);
      t.true(refused.stderr.includes(`run \`chmod 600 ${path}\``), refused.stderr);
      t.deepEqual(await readFile(path), before, 'nothing was rewritten');
      t.is(await mode(path), loose, 'the CP changes no mode itself');
      await chmod(path, 0o600);
      const cp = await spawnControlPlane({ dataDir });
      await cp.stop();
      t.pass();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

test('several loose files are named together in one chmod', async (t) => {
  const dataDir = await initialisedDataDir();
  try {
    await chmod(join(dataDir, 'server.key'), 0o644);
    await chmod(join(dataDir, 'admin.token'), 0o644);
    const refused = await serve(dataDir);
    t.is(refused.code, 1);
    t.true(refused.stderr.includes(`run \`chmod 600 ${join(dataDir, 'server.key')} ${join(dataDir, 'admin.token')}\``), refused.stderr);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

for (const loose of [0o770, 0o702, 0o777]) {
  test(`a data dir with mode ${loose.toString(8)} (writable by group or others) stops the start with chmod 700`, async (t) => {
    const dataDir = await initialisedDataDir();
    try {
      await chmod(dataDir, loose);
      const refused = await serve(dataDir);
      t.is(refused.code, 1);
      t.true(refused.stderr.includes(`${dataDir} is writable by group or others (mode 0${loose.toString(8)})`), refused.stderr);
      t.true(refused.stderr.includes(`run \`chmod 700 ${dataDir}\``), refused.stderr);
      t.is(await mode(dataDir), loose);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

test('a data dir others may only list (0755) starts, with a warning', async (t) => {
  const dataDir = await initialisedDataDir();
  try {
    await chmod(dataDir, 0o755);
    const cp = await spawnControlPlane({ dataDir });
    await cp.stop();
    t.true(
      cp.output().stderr.includes(`warning: ${dataDir} is accessible by group or others (mode 0755): run \`chmod 700 ${dataDir}\``),
      cp.output().stderr,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
