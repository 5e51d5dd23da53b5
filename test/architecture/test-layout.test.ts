// Tests live in the capability folders test/README.md lists, helpers in harness/ (or, when only
// one folder needs them, in that folder), and the harness imports no test folder: so anyone can
// place a new test, and a test left at the top of test/ (or in an unlisted folder) fails here.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/paths.js';
import { importsOf, resolveImport, sourceFiles } from './imports.js';

async function listedFolders(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, 'test/README.md'), 'utf8');
  return [...readme.matchAll(/^\| `([a-z-]+)\/` \|/gm)].map((match) => match[1]);
}

const testSources = (): string[] => sourceFiles(REPO_ROOT, 'test').map((path) => path.slice('test/'.length));

test('every test stands in a folder test/README.md lists, and every listed folder holds something', async (t) => {
  const folders = await listedFolders();
  t.true(folders.includes('harness') && folders.includes('store'), 'the table was read');
  const files = testSources();
  const misplaced = files.filter((file) => file.endsWith('.test.ts') && (!file.includes('/') || !folders.includes(file.split('/')[0])));
  t.deepEqual(misplaced, [], 'move these into the folder of their capability (test/README.md), or add the folder there');
  t.deepEqual(
    files.filter((file) => !file.includes('/')),
    [],
    'nothing at the top of test/',
  );
  for (const folder of folders)
    t.true(
      files.some((file) => file.startsWith(`${folder}/`)),
      `${folder}/ is listed but empty`,
    );
  t.deepEqual(
    files.filter((file) => file.startsWith('harness/') && file.endsWith('.test.ts')),
    [],
    'the harness holds no test',
  );
});

test('a helper outside harness/ serves its own folder only, and the harness imports no test folder', (t) => {
  const files = testSources();
  const importers = new Map<string, string[]>();
  for (const file of files) {
    for (const ref of importsOf(join(REPO_ROOT, 'test', file))) {
      const to = resolveImport(REPO_ROOT, `test/${file}`, ref.specifier);
      if (to === undefined || !to.startsWith('test/')) continue;
      const target = to.slice('test/'.length);
      importers.set(target, [...(importers.get(target) ?? []), file]);
      if (file.startsWith('harness/')) t.true(target.startsWith('harness/'), `harness/ imports a test folder: ${file} -> ${target}`);
    }
  }
  for (const [helper, users] of importers) {
    if (helper.startsWith('harness/')) continue;
    const folder = helper.split('/')[0];
    t.deepEqual(
      users.filter((user) => user.split('/')[0] !== folder),
      [],
      `${helper} is used beyond ${folder}/: move it to harness/`,
    );
  }
});
