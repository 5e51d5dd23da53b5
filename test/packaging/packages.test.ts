// The packages work outside the clone: every workspace is packed (`npm pack`), the tarballs are
// installed together into a fresh temp project (`--prefer-offline`: the npm cache `npm ci` filled
// holds every dependency), and from that install alone:
//   - a TypeScript consumer type-checks against the shipped .d.ts and runs, with the public
//     exports only: it pins a real CP (the installed otherix-server), mints a join token and
//     bootstraps a node;
//   - `otherix --help`, `otherix-agent version`, `otherix-server --version` run as installed;
//   - the tarballs hold the build, the types, a README and the LICENSE, and no test hook, no
//     source map, no test-only dependency.
// Install scripts are skipped (`--ignore-scripts`): sqlite3's would download or compile its
// native binding. The repository's own build of that binding is copied in instead, which is
// what the skipped script would have produced.
import test from 'ava';
import { execFile } from 'node:child_process';
import { cp as copy, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, repoPath } from '../harness/paths.js';
import { spawnControlPlane } from '../harness/control-plane.js';

const run = promisify(execFile);

interface Manifest {
  name: string;
  version: string;
  license?: string;
  description?: string;
  keywords?: string[];
  repository?: unknown;
  engines?: { node?: string };
  private?: boolean;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  types?: string;
}

interface Packed {
  name: string;
  filename: string;
  files: { path: string }[];
}

const WORKSPACES = ['sdk', 'server', 'agent', 'cli'];
const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

/** What only the tests may load or set: the root's devDependencies and the crash hook's traces. */
const TEST_ONLY_DEPENDENCIES = Object.keys(
  (await readJson<{ devDependencies: Record<string, string> }>(repoPath('package.json'))).devDependencies,
);
const TEST_HOOK_TRACES = ['OTHERIX_TEST', 'process.exit(99)', 'CRASH_EXIT_CODE', 'crashPoint'];
/** A module specifier naming a test-only package (a comment may name one; an import may not). */
const TEST_ONLY_IMPORT = new RegExp(
  `['"](${TEST_ONLY_DEPENDENCIES.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(/[^'"]*)?['"]`,
);

const CONSUMER = `// An automation script as a user writes it, against the installed @otherix/sdk.
import * as sdk from '@otherix/sdk';
import { bootstrapNode, connectAdmin, isFullNode, isOtherixError } from '@otherix/sdk';
import type { Node, NodeSummary } from '@otherix/sdk';
import { fingerprintOfPem } from '@otherix/sdk/pki';

const [cpUrl, caFingerprint, token, home] = process.argv.slice(2) as [string, string, string, string];
const { client, whoami, caPem } = await connectAdmin({ cpUrl, caFingerprint, token });
try {
  const minted = await client.joinTokens.create({ node_name: 'packaged-node', ttl_seconds: 600 });
  const outcome = await bootstrapNode({
    token: minted.token,
    caFingerprint: minted.ca_fingerprint,
    cpUrl,
    nodeName: 'packaged-node',
    advertisedEndpoint: 'https://127.0.0.1:9443',
    migrationHost: '127.0.0.1',
    certDir: home + '/certs',
    configPath: home + '/agent.yaml',
  });
  if (outcome.kind !== 'joined') throw new sdk.OtherixError('internal', 'expected a join, got ' + outcome.kind);
  const node: Node | NodeSummary = await client.nodes.get('packaged-node');
  const spent = await client.joinTokens.create({ node_name: 'packaged-node', ttl_seconds: 60, max_uses: 1 });
  await client.joinTokens.revoke(spent.id);
  let refusal = '';
  try {
    await bootstrapNode({ token: spent.token, caFingerprint, cpUrl, nodeName: 'packaged-node', advertisedEndpoint: 'https://127.0.0.1:9443', migrationHost: '127.0.0.1', certDir: home + '/other-certs', configPath: home + '/other.yaml' });
  } catch (error) {
    if (isOtherixError(error)) refusal = error.code;
  }
  // @ts-expect-error the atomic writer is not public: it is @otherix/sdk/internal's
  const hidden: unknown = sdk.writeFileSetAtomic;
  console.log(JSON.stringify({
    role: whoami.role,
    pinned: fingerprintOfPem(caPem) === caFingerprint,
    kind: outcome.kind,
    status: isFullNode(node) ? node.status : 'summary',
    full: isFullNode(node),
    refusal,
    hiddenIsAbsent: hidden === undefined,
  }));
} finally {
  await client.close();
}
`;

const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    strict: true,
    outDir: 'dist',
    rootDir: 'src',
    types: ['node'],
    skipLibCheck: false,
  },
  include: ['src'],
};

test('every workspace packs, installs offline into a fresh project, and works from there', async (t) => {
  t.timeout(300_000);
  const home = await mkdtemp(join(tmpdir(), 'otherix-packages-'));
  try {
    // 1. Pack every workspace (prepack puts the LICENSE in, postpack takes it away).
    const packs = join(home, 'packs');
    await mkdir(packs);
    const packed = JSON.parse(
      (await run('npm', ['pack', '--workspaces', '--pack-destination', packs, '--json'], { cwd: REPO_ROOT, maxBuffer: 1 << 26 })).stdout,
    ) as Packed[];
    t.deepEqual(packed.map((p) => p.name).sort(), ['@otherix/agent', '@otherix/cli', '@otherix/sdk', '@otherix/server']);

    for (const pack of packed) {
      const files = pack.files.map((f) => f.path);
      for (const needed of ['package.json', 'README.md', 'LICENSE', 'dist/index.d.ts']) {
        if (pack.name === '@otherix/agent' || pack.name === '@otherix/cli') {
          if (needed === 'dist/index.d.ts') continue; // shells without a library entry
        }
        t.true(files.includes(needed), `${pack.name} lacks ${needed}`);
      }
      t.true(
        files.some((f) => f.startsWith('dist/') && f.endsWith('.js')),
        `${pack.name} holds built JavaScript`,
      );
      t.deepEqual(
        files.filter((f) => /\.map$|tsbuildinfo|(^|\/)test\/|\.test\.|^src\//.test(f)),
        [],
        `${pack.name} holds no maps, build info, sources or tests`,
      );
    }

    // 2. Every manifest is complete and names no test-only dependency.
    for (const workspace of WORKSPACES) {
      const manifest = await readJson<Manifest>(repoPath(`${workspace}/package.json`));
      t.is(manifest.private, undefined, `${manifest.name} is publishable`);
      t.is(manifest.license, 'Apache-2.0');
      t.truthy(
        manifest.description && manifest.keywords?.length && manifest.repository,
        `${manifest.name} has description, keywords, repository`,
      );
      t.is(manifest.engines?.node, '>=20.19');
      t.deepEqual(
        Object.keys(manifest.dependencies ?? {}).filter((name) => TEST_ONLY_DEPENDENCIES.includes(name)),
        [],
        `${manifest.name} depends on no test-only package`,
      );
    }

    // 3. Install the tarballs together (they depend on each other by version), offline first.
    const project = join(home, 'consumer');
    await mkdir(join(project, 'src'), { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'otherix-consumer', private: true, type: 'module' }));
    const nodeTypes = (await readJson<Manifest>(repoPath('node_modules/@types/node/package.json'))).version;
    const tarball = (name: string): string => join(packs, packed.find((p) => p.name === name)!.filename);
    const installFlags = ['--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'];
    // Beside it, a global install of the agent as on a node host that has only Node (in a prefix of its own).
    const globalPrefix = join(home, 'global');
    const [installed, installedGlobally] = await Promise.all([
      run('npm', ['install', ...installFlags, ...packed.map((p) => join(packs, p.filename)), `@types/node@${nodeTypes}`], {
        cwd: project,
        maxBuffer: 1 << 26,
      }),
      run('npm', ['install', '--global', '--prefix', globalPrefix, ...installFlags, tarball('@otherix/sdk'), tarball('@otherix/agent')], {
        cwd: home,
        maxBuffer: 1 << 26,
      }),
    ]);
    t.false(`${installedGlobally.stdout}${installedGlobally.stderr}`.includes('EBADENGINE'), installedGlobally.stderr);
    t.false(`${installed.stdout}${installed.stderr}`.includes('EBADENGINE'), installed.stderr);
    await copy(repoPath('node_modules/sqlite3/build'), join(project, 'node_modules/sqlite3/build'), { recursive: true });

    // 4. No test hook and no test-only dependency reached the install.
    const shipped = join(project, 'node_modules/@otherix');
    for (const name of await readdir(shipped)) {
      for (const entry of await readdir(join(shipped, name), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const text = await readFile(join(entry.parentPath, entry.name), 'utf8');
        const where = `@otherix/${name}: ${join(entry.parentPath, entry.name)}`;
        for (const trace of TEST_HOOK_TRACES) t.false(text.includes(trace), `${where} holds ${trace}`);
        if (/\.(js|ts)$/.test(entry.name))
          t.false(TEST_ONLY_IMPORT.test(text), `${where} imports a test-only package: ${TEST_ONLY_IMPORT.exec(text)?.[0]}`);
      }
    }
    for (const name of ['@peculiar/x509', 'reflect-metadata', 'ava']) {
      await t.throwsAsync(readFile(join(project, 'node_modules', name, 'package.json')), undefined, `${name} is not installed`);
    }

    // 5. The binaries, as installed (their shebang finds this node).
    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}` };
    const bin = (name: string): string => join(project, 'node_modules/.bin', name);
    t.regex((await run(bin('otherix'), ['--help'], { env })).stdout, /Usage:\n {2}\$ otherix <command> \[options\]/);
    t.is((await run(bin('otherix-agent'), ['version'], { env })).stdout, 'otherix-agent 0.1.0\n');
    t.is((await run(bin('otherix-server'), ['--version'], { env })).stdout, 'otherix-server 0.1.0\n');
    t.regex(
      (await run(join(globalPrefix, 'bin/otherix-agent'), ['--help'], { env })).stdout,
      /Usage:\n {2}\$ otherix-agent <command> \[options\]/,
    );

    // 6. A TypeScript consumer type-checks against the shipped types (the repository's tsc, with
    //    the library check on: the .d.ts files must compile with only what the install holds),
    //    then runs against the installed CP.
    await writeFile(join(project, 'src/automation.ts'), CONSUMER);
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const compiled = await run(process.execPath, [repoPath('node_modules/typescript/bin/tsc'), '-p', project], { cwd: project }).catch(
      (error: { stdout: string }) => error,
    );
    t.is(compiled.stdout, '', 'tsc reports nothing');

    const cp = await spawnControlPlane({
      bin: join(project, 'node_modules/@otherix/server/bin/otherix-server.js'),
      dataDir: join(home, 'cp'),
    });
    try {
      const result = await run(
        process.execPath,
        [join(project, 'dist/automation.js'), cp.url, cp.caFingerprint, cp.adminToken, join(home, 'node')],
        { cwd: project },
      );
      t.deepEqual(JSON.parse(result.stdout), {
        role: 'admin',
        pinned: true,
        kind: 'joined',
        status: 'pending',
        full: true,
        refusal: 'token_rejected',
        hiddenIsAbsent: true,
      });
    } finally {
      await cp.stop();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
