// SPEC §7 wants `otherix --help` to start fast; the benchmark times it. What keeps it fast is
// checked here without a clock: --help loads cac and the CLI's shell, and neither the SDK nor
// undici, openapi-fetch or x509, which only the command that runs imports.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OTHERIX_BIN } from '../harness/cli.js';

const run = promisify(execFile);

const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.OTHERIX_TRACE_FILE, result.url + '\\n');
  return result;
}
`;
const REGISTER = `import { register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
`;

async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-trace-'));
  try {
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    await writeFile(join(dir, 'register.mjs'), REGISTER);
    const traceFile = join(dir, 'trace.txt');
    await writeFile(traceFile, '');
    await run(process.execPath, ['--import', join(dir, 'register.mjs'), OTHERIX_BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, OTHERIX_TRACE_FILE: traceFile },
    }).catch(() => undefined);
    return (await readFile(traceFile, 'utf8')).split('\n').filter((line) => line !== '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const args of [['--help'], ['node', 'join-token', 'create', '--help'], ['node', '--help']]) {
  test(`otherix ${args.join(' ')} loads only cac and the CLI shell`, async (t) => {
    const modules = await modulesLoadedBy(args);
    t.true(
      modules.some((url) => url.endsWith('/cac/dist/index.js')),
      modules.join('\n'),
    );
    // The SDK's leaf subpaths (terminal-text, errors, argv: nothing heavy of their own) read flags and
    // escape error lines, with the durations argv reads (Go-style, and with days for --expiring-within);
    // nothing else of the SDK.
    const leaf = /\/sdk\/dist\/(terminal-text|errors|durations|long-durations|argv\/[a-z-]+)\.js$/;
    const heavy = modules.filter(
      (url) => /\/(sdk\/dist|undici|openapi-fetch|@peculiar|reflect-metadata|js-yaml)\//.test(url) && !leaf.test(url),
    );
    t.deepEqual(heavy, []);
  });
}

test('a command that runs does load the SDK (the trace sees lazy imports)', async (t) => {
  const modules = await modulesLoadedBy(['whoami']);
  t.true(
    modules.some((url) => url.includes('/sdk/dist/index.js')),
    modules.join('\n'),
  );
});
