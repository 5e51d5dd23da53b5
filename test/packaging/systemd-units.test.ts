// The systemd units shipped in the packages (issue 17 item 3): each passes `systemd-analyze
// verify` with nothing to say (run on a temp copy whose ExecStart names the built binary, since
// the units find otherix-server / otherix-agent in systemd's search path, where npm install -g
// puts them), or, without systemd-analyze, a parse check; and each holds the decisions the README
// documents: a dedicated user, restart on failure, the product page's paths, the hardening.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { REPO_ROOT } from '../harness/paths.js';

const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path));

interface Unit {
  file: string;
  command: string;
  bin: string;
  packageJson: string;
}

const UNITS: Unit[] = [
  {
    file: 'server/systemd/otherix-server.service',
    command: 'otherix-server',
    bin: 'server/bin/otherix-server.js',
    packageJson: 'server/package.json',
  },
  {
    file: 'agent/systemd/otherix-agent.service',
    command: 'otherix-agent',
    bin: 'agent/bin/otherix-agent.js',
    packageJson: 'agent/package.json',
  },
];

/** Sections -> key -> every value given (a key may repeat), comments and blank lines skipped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section !== null) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const pair = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (pair === null || current === undefined) throw new Error(`line ${index + 1} is not KEY=VALUE inside a section: ${raw}`);
    current.set(pair[1], [...(current.get(pair[1]) ?? []), pair[2]]);
  }
  return sections;
}

/** Runs systemd-analyze verify on a copy whose ExecStart names the built binary. */
async function verify(unit: Unit, text: string): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-unit-'));
  try {
    const path = join(dir, unit.file.split('/').pop()!);
    await writeFile(path, text.replace(new RegExp(`^ExecStart=${unit.command} `, 'm'), `ExecStart=${join(REPO_ROOT, unit.bin)} `));
    try {
      const { stdout, stderr } = await promisify(execFile)(SYSTEMD_ANALYZE!, ['verify', path]);
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, output: failed.stdout + failed.stderr };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const unit of UNITS) {
  test(`${unit.file} verifies and holds the documented choices`, async (t) => {
    const text = await readFile(join(REPO_ROOT, unit.file), 'utf8');
    if (SYSTEMD_ANALYZE !== undefined) {
      const { code, output } = await verify(unit, text);
      t.is(code, 0, output);
      t.is(output.trim(), '', 'systemd-analyze verify has nothing to say (unknown keys and bad values are only warnings)');
    } else {
      t.log('systemd-analyze is not installed here: parse check only');
    }
    const sections = parseUnit(text);
    t.deepEqual([...sections.keys()], ['Unit', 'Service', 'Install']);
    const service = sections.get('Service')!;
    const one = (key: string): string | undefined => service.get(key)?.at(-1);
    t.is(one('Type'), 'simple');
    t.is(one('Restart'), 'on-failure');
    t.is(one('User'), 'otherix');
    t.is(one('DynamicUser'), undefined);
    t.regex(one('ExecStart')!, new RegExp(`^${unit.command} serve `));
    t.is(one('ConfigurationDirectory'), 'otherix', '/etc/otherix');
    t.regex(one('StateDirectory')!, /^otherix\b/, '/var/lib/otherix');
    t.is(one('StateDirectoryMode'), '0700');
    t.is(one('CapabilityBoundingSet'), '', 'no capability');
    t.is(one('AmbientCapabilities'), '');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      PrivateTmp: 'yes',
      ProtectHome: 'yes',
      RestrictSUIDSGID: 'yes',
      SystemCallArchitectures: 'native',
    })) {
      t.is(one(key), value, key);
    }
    t.truthy(one('ReadWritePaths'));
    t.is(sections.get('Install')!.get('WantedBy')?.[0], 'multi-user.target');
    // Shipped: the folder is in the package's files.
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, unit.packageJson), 'utf8')) as { files: string[] };
    t.true(manifest.files.includes('systemd'));
    t.regex(
      await readFile(join(REPO_ROOT, unit.file.replace(/[^/]+$/, 'otherix.sysusers')), 'utf8'),
      /^u otherix - "[^"]+" \/var\/lib\/otherix$/m,
    );
  });
}

test('the server unit runs on the documented data dir and the agent on the product page paths', async (t) => {
  const server = parseUnit(await readFile(join(REPO_ROOT, UNITS[0].file), 'utf8')).get('Service')!;
  t.is(server.get('ExecStart')?.[0], 'otherix-server serve --data-dir /var/lib/otherix/cp');
  t.is(server.get('StateDirectory')?.[0], 'otherix/cp');
  const agent = parseUnit(await readFile(join(REPO_ROOT, UNITS[1].file), 'utf8')).get('Service')!;
  t.is(agent.get('ExecStart')?.[0], 'otherix-agent serve --config /etc/otherix/agent.yaml');
  t.is(agent.get('StateDirectory')?.[0], 'otherix otherix/certs', '/var/lib/otherix/certs, the default --cert-dir');
});

test('the verify check has teeth: an unknown key or a bad value is reported', async (t) => {
  if (SYSTEMD_ANALYZE === undefined) {
    t.throws(() => parseUnit('[Service]\nnot a key value\n'));
    return;
  }
  const { output } = await verify(
    UNITS[0],
    (await readFile(join(REPO_ROOT, UNITS[0].file), 'utf8')).replace(
      'PrivateTmp=yes',
      'PrivateTmp=yes\nProtectEverything=yes\nProtectSystem=bogus',
    ),
  );
  t.regex(output, /Unknown key 'ProtectEverything'/);
  t.regex(output, /bogus/);
});
