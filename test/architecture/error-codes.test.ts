// One error vocabulary, held together the way fastify's errors test holds lib/errors.js, its
// types and its docs: every code the source throws, answers or matches is in the SDK's list,
// every code in the list is used somewhere (none is dead), and sdk/README.md's error table
// documents exactly the listed codes. No source file throws a bare Error: a person or a
// caller always gets a code.
import test from 'ava';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_ERROR_CODES, ERROR_CODES, LOCAL_ERROR_CODES } from '@otherix/sdk';

/** The repository: the folder above this file whose package.json has the workspaces. */
function repositoryRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in (JSON.parse(readFileSync(manifest, 'utf8')) as object)) return dir;
  }
  throw new Error('no package.json with workspaces above this test');
}

const ROOT = repositoryRoot();
const SOURCE_DIRS = ['sdk/src', 'server/src', 'agent/src', 'cli/src', 'examples'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'generated' || name === 'dist' || name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const FILES = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir))).map((path) => ({
  path: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

const CODE = /'([a-z][a-z0-9]*(?:_[a-z0-9]+)*)'/g;
/** Where the source names an error code: what is thrown, answered, matched or typed as a code. */
const CODE_PLACES: RegExp[] = [
  // new OtherixError('usage', ...), new HttpError('conflict', ...), new OtherixError(sameCa ? 'a' : 'b', ...)
  /new (?:OtherixError|HttpError)\(\s*([^,]+),/g,
  // errorBody('not_found', ...), notReady('config_missing', ...), refusalOf('conflict', ...)
  /\b(?:errorBody|notReady|refusalOf)\(\s*('[a-z_]+')/g,
  // isOtherixError(error, 'invalid_ca'), codeOf(error, 'chain_invalid')
  /\b(?:isOtherixError|codeOf)\([^,()]+,\s*('[a-z_]+')\)/g,
  // { code: 'cert_file_missing' }, problem.code === 'invalid_ca' (not `typeof code === 'string'`)
  /(?<!typeof [^=&|;\n]*)\bcode(?::\s*|\s*[!=]==\s*)('[a-z][a-z0-9_]*')/g,
  // Extract<OtherixErrorCode, 'unreachable' | 'tls_failed' | 'timeout'>
  /Extract<OtherixErrorCode,\s*([^>]+)>/g,
];

function codesUsed(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const { path, text } of FILES) {
    if (path === 'sdk/src/errors.ts') continue; // the list itself
    for (const place of CODE_PLACES) {
      for (const match of text.matchAll(place)) {
        for (const [, code] of match[1].matchAll(CODE)) used.set(code, [...(used.get(code) ?? []), path]);
      }
    }
  }
  return used;
}

test('every code the source throws, answers or matches is in the SDK list', (t) => {
  const used = codesUsed();
  const unknown = [...used]
    .filter(([code]) => !(ERROR_CODES as readonly string[]).includes(code))
    .map(([code, paths]) => `${code} (${paths.join(', ')})`);
  t.deepEqual(unknown, []);
  // The scan sees the source: a quarter of the list at least, from every package.
  t.true(used.size > ERROR_CODES.length / 4, [...used.keys()].join(', '));
  for (const dir of SOURCE_DIRS)
    t.true(
      [...used.values()].flat().some((path) => path.startsWith(dir)),
      dir,
    );
});

test('every code in the list is used by the source (no dead code)', (t) => {
  const used = codesUsed();
  t.deepEqual(
    ERROR_CODES.filter((code) => !used.has(code)),
    [],
  );
});

test('the list is the API codes and the local codes, each once', (t) => {
  t.deepEqual([...ERROR_CODES], [...API_ERROR_CODES, ...LOCAL_ERROR_CODES]);
  t.is(new Set(ERROR_CODES).size, ERROR_CODES.length);
});

test("sdk/README.md's error table documents exactly the listed codes, in order", (t) => {
  const readme = readFileSync(join(ROOT, 'sdk/README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Error codes'));
  const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
  t.deepEqual(documented, [...ERROR_CODES]);
});

test('no source file throws a bare Error: every failure carries a code', (t) => {
  const bare = FILES.filter(({ text }) => /throw new (?:Error|TypeError|RangeError)\(/.test(text)).map(({ path }) => path);
  t.deepEqual(bare, []);
  // And no other error class: each package throws OtherixError (the server's HttpError is one).
  const classes = FILES.flatMap(({ path, text }) =>
    [...text.matchAll(/class (\w+) extends (\w*Error)\b/g)].map((match) => `${path}: ${match[1]} extends ${match[2]}`),
  );
  t.deepEqual(classes.sort(), [
    'sdk/src/errors.ts: OtherixApiError extends OtherixError',
    'sdk/src/errors.ts: OtherixError extends Error',
    'server/src/errors.ts: HttpError extends OtherixError',
  ]);
});
