// The arrows point one way (README "House map", rooms.ts): every import statement of every
// source file is read with the TypeScript parser and held to the map. An import against it fails
// here, naming the file, the line and the rule; so does a file the map does not place, a room the
// README does not list, and a known break that is gone (so the list of them stays true).
import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../harness/paths.js';
import { checkImports, importsOf, resolveImport, roomOf, sourceFiles } from './imports.js';
import type { Violation } from './imports.js';
import { KNOWN_BREAKS, ROOMS } from './rooms.js';

const SOURCE_FOLDERS = ['sdk/src', 'server/src', 'agent/src', 'cli/src', 'examples'];

const sources = (): string[] => SOURCE_FOLDERS.flatMap((folder) => sourceFiles(REPO_ROOT, folder));

const shown = (violations: readonly Violation[]): string =>
  violations.map((v) => `${v.from}:${v.line} imports '${v.specifier}' (${v.to}): ${v.why}`).join('\n');

const isKnown = (v: Violation): boolean => KNOWN_BREAKS.some((known) => known.to === v.to && known.from.includes(v.from));

test('every import of sdk, server, agent, cli and examples follows the house map', (t) => {
  const violations = checkImports(REPO_ROOT, ROOMS, sources());
  const unknown = violations.filter((v) => !isKnown(v));
  t.deepEqual(unknown, [], `imports against the map (README "House map"):\n${shown(unknown)}`);
  for (const known of KNOWN_BREAKS) {
    for (const from of known.from) {
      t.true(
        violations.some((v) => v.from === from && v.to === known.to),
        `${from} no longer imports ${known.to}: take it out of KNOWN_BREAKS in test/architecture/rooms.ts`,
      );
    }
  }
});

test('nothing imports tests: no source file, example or script reaches test/', (t) => {
  const files = [...sources(), ...sourceFiles(REPO_ROOT, 'scripts', ['.mjs', '.js', '.ts'])];
  t.true(
    files.some((file) => file.startsWith('scripts/')),
    'the scripts were read',
  );
  const intoTests = files.flatMap((from) =>
    importsOf(join(REPO_ROOT, from))
      .map((ref) => ({ from, ref, to: resolveImport(REPO_ROOT, from, ref.specifier) }))
      .filter(({ to }) => to !== undefined && (to === 'test' || to.startsWith('test/'))),
  );
  t.deepEqual(
    intoTests.map(({ from, ref }) => `${from}:${ref.line} ${ref.specifier}`),
    [],
  );
});

test('the map covers the house: every source file stands in a room, every room holds a file', (t) => {
  const files = sources();
  t.deepEqual(
    files.filter((file) => roomOf(ROOMS, file) === undefined),
    [],
    'files in no room: add them to rooms.ts and the README map',
  );
  for (const room of ROOMS) {
    t.true(
      files.some((file) => roomOf(ROOMS, file) === room),
      `room ${room.name} holds no file: ${room.paths.join(', ')}`,
    );
    for (const name of room.mayImport)
      t.truthy(
        ROOMS.find((other) => other.name === name),
        `${room.name} may import an unknown room ${name}`,
      );
  }
});

test("the README's house map names every room and each room's arrows", async (t) => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### House map');
  t.true(start >= 0, 'README.md has a "House map" section');
  const map = readme.slice(start, readme.indexOf('\n## ', start));
  for (const room of ROOMS) {
    const row = map.split('\n').find((line) => line.startsWith(`| ${room.name} |`));
    t.truthy(row, `no row for ${room.name} in the README's house map`);
    if (row === undefined) continue;
    for (const path of room.paths) t.true(row.includes(`\`${path}\``), `the row of ${room.name} names \`${path}\``);
    const arrows = row.split('|').at(-2)!.trim();
    const listed = arrows === 'nothing of ours' ? [] : arrows.split(', ');
    t.deepEqual([...listed].sort(), [...room.mayImport].sort(), `the row of ${room.name} lists what it may import as rooms.ts does`);
  }
});

// --- the checker itself, on a tree planted with imports against the map ---

async function plant(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'otherix-imports-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

test('the checker fails on each kind of import against the map, and passes the ones along it', async (t) => {
  const root = await plant({
    // Along the map: a route calls a service, a service uses the store interface, a shell imports the SDK.
    'server/src/routes/v1/ok.ts': "import { rule } from '../../services/rules.js';\nexport const ok = rule;\n",
    'server/src/services/rules.ts':
      "import type { Store } from '../store/store.js';\nimport { name } from '@otherix/sdk';\nexport const rule = (s?: Store) => name + String(s);\n",
    'server/src/store/store.ts': 'export interface Store { x: number }\n',
    'sdk/src/index.ts': 'export const name = "sdk";\n',
    // Against it:
    'sdk/src/leak.ts': "import { buildApp } from '@otherix/server';\nexport const leak = buildApp;\n",
    'server/src/store/sqlite/engine.ts': "export type { rule } from '../../services/rules.js';\n",
    'server/src/services/lazy.ts': "export const load = () => import('../routes/v1/ok.js');\n",
    'server/src/services/deep.ts': "import type { X } from '../store/sqlite/engine.js';\nexport type Y = X;\n",
    'cli/src/render/table.ts': "export type T = import('../commands/list.js').L;\n",
    'cli/src/commands/list.ts': 'export type L = string;\n',
    'agent/src/runtime/helper.ts':
      "import { startControlPlane } from '../../../test/harness/control-plane.js';\nexport const h = startControlPlane;\n",
    'examples/peek.ts': "import { SqliteStore } from '@otherix/server';\nexport const p = SqliteStore;\n",
    'cli/src/render/pem.ts': "import { name } from '../../../sdk/src/index.js';\nexport const n = name;\n",
    'server/src/index.ts': 'export const buildApp = 1; export const SqliteStore = 2;\n',
  });
  try {
    const files = SOURCE_FOLDERS.flatMap((folder) => sourceFiles(root, folder));
    const found = checkImports(root, ROOMS, files).map((v) => `${v.from}:${v.line} -> ${v.to}: ${v.why}`);
    t.deepEqual(found.sort(), [
      'agent/src/runtime/helper.ts:1 -> test/harness/control-plane.ts: nothing imports tests',
      'cli/src/render/pem.ts:1 -> sdk/src/index.ts: import @otherix/sdk, not its files',
      'cli/src/render/table.ts:1 -> cli/src/commands/list.ts: cli render may not import cli commands',
      'examples/peek.ts:1 -> server/src/index.ts: examples may not import server entry',
      'sdk/src/leak.ts:1 -> server/src/index.ts: sdk may not import server entry',
      'server/src/services/deep.ts:1 -> server/src/store/sqlite/engine.ts: server services may not import server sqlite',
      'server/src/services/lazy.ts:1 -> server/src/routes/v1/ok.ts: server services may not import server routes',
      'server/src/store/sqlite/engine.ts:1 -> server/src/services/rules.ts: server sqlite may not import server services',
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the checker reads every form of import: static, type-only, re-export, require, dynamic, import types', async (t) => {
  const root = await plant({
    'forms.ts': [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "export * from './c.js';",
      "import d = require('./d.js');",
      "const e = await import('./e.js');",
      "let f: import('./f.js').F;",
      "import 'node:fs';",
      '',
    ].join('\n'),
  });
  try {
    const refs = importsOf(join(root, 'forms.ts'));
    t.deepEqual(
      refs.map((r) => [r.specifier, r.line, r.typeOnly]),
      [
        ['./a.js', 1, false],
        ['./b.js', 2, true],
        ['./c.js', 3, false],
        ['./d.js', 4, false],
        ['./e.js', 5, false],
        ['./f.js', 6, true],
        ['node:fs', 7, false],
      ],
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
