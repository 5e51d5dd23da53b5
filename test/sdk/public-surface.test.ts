// @otherix/sdk's main entry is its documented public API: exactly the names below, each one in
// sdk/README.md's "Public API", each value with a doc comment and each function's comment saying
// what it throws (`@throws`, with the codes). Everything else is behind a documented subpath.
import test from 'ava';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { repoPath } from '../harness/paths.js';

const PUBLIC_VALUES = [
  'ADMIN_CONNECTION_ENV',
  'API_ERROR_CODES',
  'DEFAULT_AGENT_VERSION',
  'DEFAULT_CERT_DIR',
  'DEFAULT_CONFIG_PATH',
  'DEFAULT_REQUEST_TIMEOUT_MS',
  'DEFAULT_STATE_DIR',
  'ERROR_CODES',
  'LOCAL_ERROR_CODES',
  'OtherixApiError',
  'OtherixError',
  'TOKEN_PREFIX',
  'bootstrapNode',
  'cliClientOptions',
  'cliConfigPath',
  'connectAdmin',
  'createClient',
  'formatDuration',
  'isApiErrorCode',
  'isFullNode',
  'isFullNodePage',
  'isOtherixError',
  'isTokenShape',
  'loadAgentConfig',
  'loadCliSettings',
  'loadConfig',
  'maskToken',
  'parseCpUrl',
  'parseDuration',
  'pinCa',
  'renewNodeCertificate',
  'resolveBootstrapOptions',
];

const SUBPATHS = ['.', './argv', './errors', './internal', './metrics-server', './package.json', './pki', './terminal-text'];

interface Exported {
  name: string;
  kind: 'function' | 'class' | 'value' | 'type';
  doc: string;
  tags: string[];
}

function exportsOf(entry: string): Exported[] {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  return checker.getExportsOfModule(module).map((symbol) => {
    const real = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const kind =
      real.flags & ts.SymbolFlags.Function
        ? 'function'
        : real.flags & ts.SymbolFlags.Class
          ? 'class'
          : real.flags & ts.SymbolFlags.Variable
            ? 'value'
            : 'type';
    return {
      name: symbol.name,
      kind,
      doc: ts.displayPartsToString(real.getDocumentationComment(checker)).trim(),
      tags: real.getJsDocTags(checker).map((tag) => tag.name),
    };
  });
}

const publicExports = exportsOf(repoPath('sdk/src/index.ts'));

test('the main entry exports exactly the public values (types are the API types and option shapes)', (t) => {
  t.deepEqual(
    publicExports
      .filter((e) => e.kind !== 'type')
      .map((e) => e.name)
      .sort(),
    [...PUBLIC_VALUES].sort(),
  );
});

test('every public value has a doc comment, and every public function says what it throws', (t) => {
  const undocumented = publicExports.filter((e) => e.kind !== 'type' && e.doc === '').map((e) => e.name);
  t.deepEqual(undocumented, []);
  const silent = publicExports.filter((e) => e.kind === 'function' && !e.tags.includes('throws')).map((e) => e.name);
  t.deepEqual(silent, []);
});

test("sdk/README.md's Public API names every public value and every subpath", (t) => {
  const readme = readFileSync(repoPath('sdk/README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Public API'));
  t.true(readme.includes('## Public API'));
  t.deepEqual(
    PUBLIC_VALUES.filter((name) => !section.includes(`\`${name}`)),
    [],
  );
  const manifest = JSON.parse(readFileSync(repoPath('sdk/package.json'), 'utf8')) as { exports: Record<string, unknown> };
  t.deepEqual(Object.keys(manifest.exports).sort(), [...SUBPATHS].sort());
  t.deepEqual(
    SUBPATHS.filter((path) => path !== '.' && path !== './package.json' && !section.includes(`@otherix/sdk/${path.slice(2)}`)),
    [],
  );
});

test('no test hook and no DER primitive is public: crash steps and DER readers live behind subpaths', (t) => {
  const names = publicExports.map((e) => e.name);
  for (const name of [
    'observeWriteSteps',
    'passWriteStep',
    'WRITE_STEPS',
    'readDer',
    'derChildren',
    'writeFileSetAtomic',
    'generateToken',
    'hashToken',
    'verbatimFlagValue',
  ]) {
    t.false(names.includes(name), name);
  }
});
