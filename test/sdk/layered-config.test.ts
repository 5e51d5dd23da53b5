// Layered configuration, one implementation for every binary: defaults < file < env < flags,
// '__' nesting in the environment, coercion errors naming key and source, typos refused.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOtherixError, loadConfig } from '@otherix/sdk';
import { flattenKeys, readYamlFile, toYaml, unflattenKeys } from '@otherix/sdk/internal';
import type { ConfigSchema } from '@otherix/sdk';

const schema: ConfigSchema = {
  'bootstrap.cp_url': { kind: 'string' },
  'bootstrap.ca_fingerprint': { kind: 'string' },
  'bootstrap.listen_port': { kind: 'integer', default: 9443 },
  'migration.port_range_start': { kind: 'integer', default: 49152 },
  'heartbeat_interval': { kind: 'duration', default: '30s' },
  'ratio': { kind: 'number', default: 0.5 },
  'debug': { kind: 'boolean', default: false },
  'log_level': { kind: 'string', default: 'info' },
};

const dirs: string[] = [];
function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'otherix-config-'));
  dirs.push(dir);
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, text);
  return path;
}
test.after.always(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('defaults alone, coerced (durations become milliseconds)', (t) => {
  const { values, sources } = loadConfig({ schema, env: {} });
  t.deepEqual(values, {
    'bootstrap.listen_port': 9443,
    'migration.port_range_start': 49152,
    heartbeat_interval: 30_000,
    ratio: 0.5,
    debug: false,
    log_level: 'info',
  });
  t.is(sources['heartbeat_interval'], 'default');
  t.false('bootstrap.cp_url' in values);
});

test('precedence: defaults < file < env < flags, with sources', (t) => {
  const file = yamlFile(
    'bootstrap:\n  cp_url: https://file:8443\n  ca_fingerprint: sha256:file\n  listen_port: 1000\nheartbeat_interval: 1m\nlog_level: warn\n',
  );
  const env = {
    OTHERIX_BOOTSTRAP__CA_FINGERPRINT: 'sha256:env',
    OTHERIX_BOOTSTRAP__LISTEN_PORT: '2000',
    OTHERIX_HEARTBEAT_INTERVAL: '90s',
    OTHERIX_SOMETHING_ELSE: 'ignored: other tools share the prefix',
    BOOTSTRAP__CP_URL: 'https://no-prefix:1',
  };
  const flags = { 'bootstrap.listen_port': '3000', log_level: undefined, debug: true };
  const { values, sources } = loadConfig({ schema, file, env, flags });
  t.is(values['bootstrap.cp_url'], 'https://file:8443');
  t.is(sources['bootstrap.cp_url'], 'file');
  t.is(values['bootstrap.ca_fingerprint'], 'sha256:env');
  t.is(sources['bootstrap.ca_fingerprint'], 'env');
  t.is(values['bootstrap.listen_port'], 3000);
  t.is(sources['bootstrap.listen_port'], 'flag');
  t.is(values['heartbeat_interval'], 90_000);
  t.is(sources['heartbeat_interval'], 'env');
  t.is(values['log_level'], 'warn'); // an undefined flag does not override
  t.is(sources['log_level'], 'file');
  t.is(values['debug'], true);
  t.is(sources['debug'], 'flag');
  t.is(values['migration.port_range_start'], 49152);
  t.is(sources['migration.port_range_start'], 'default');
});

test('double underscore nests; a custom prefix is honoured', (t) => {
  const env = { APP_MIGRATION__PORT_RANGE_START: '50000', OTHERIX_MIGRATION__PORT_RANGE_START: '1' };
  const { values, sources } = loadConfig({ schema, env, envPrefix: 'APP_' });
  t.is(values['migration.port_range_start'], 50000);
  t.is(sources['migration.port_range_start'], 'env');
  // A single underscore is part of a key name, not nesting.
  const single = loadConfig({ schema, env: { OTHERIX_MIGRATION_PORT_RANGE_START: '7' } });
  t.is(single.values['migration.port_range_start'], 49152);
});

test('coercion errors name the key and where the value came from', (t) => {
  const cases: Array<[Parameters<typeof loadConfig>[0], RegExp]> = [
    [{ schema, env: { OTHERIX_BOOTSTRAP__LISTEN_PORT: 'abc' } }, /env OTHERIX_BOOTSTRAP__LISTEN_PORT=abc: not an integer/],
    [{ schema, env: {}, flags: { heartbeat_interval: 'soon' } }, /flag .*heartbeat_interval.*=soon: not a duration/],
    [{ schema, env: { OTHERIX_DEBUG: 'maybe' } }, /env OTHERIX_DEBUG=maybe: not a boolean/],
    [{ schema, env: { OTHERIX_RATIO: 'half' } }, /env OTHERIX_RATIO=half: not a number/],
    [
      { schema, env: {}, file: yamlFile('migration:\n  port_range_start: 1.5\n') },
      /file .*agent\.yaml migration\.port_range_start=1\.5: not an integer/,
    ],
    [{ schema, env: {}, file: yamlFile('bootstrap:\n  cp_url: [a, b]\n') }, /file .*bootstrap\.cp_url=\["a","b"\]: not a string/],
    [{ schema: { x: { kind: 'duration', default: 'forever' } }, env: {} }, /default for x=forever: not a duration/],
  ];
  for (const [options, pattern] of cases) {
    const error = t.throws(() => loadConfig(options));
    t.true(isOtherixError(error, 'config_invalid'), String(error));
    t.regex(error.message, pattern);
  }
});

test('values of every kind coerce from strings', (t) => {
  const env = {
    OTHERIX_DEBUG: 'true',
    OTHERIX_RATIO: '2.25',
    OTHERIX_HEARTBEAT_INTERVAL: '1h30m',
    OTHERIX_LOG_LEVEL: 'debug',
    OTHERIX_BOOTSTRAP__LISTEN_PORT: ' 8443 ',
  };
  const { values } = loadConfig({ schema, env });
  t.is(values['debug'], true);
  t.is(values['ratio'], 2.25);
  t.is(values['heartbeat_interval'], 5_400_000);
  t.is(values['log_level'], 'debug');
  t.is(values['bootstrap.listen_port'], 8443);
  t.is(loadConfig({ schema, env: { OTHERIX_DEBUG: 'off' } }).values['debug'], false);
  // YAML numbers stay numbers; a YAML number for a string key becomes its text.
  const file = yamlFile('log_level: 3\nheartbeat_interval: 45s\n');
  const fromFile = loadConfig({ schema, env: {}, file });
  t.is(fromFile.values['log_level'], '3');
  t.is(fromFile.values['heartbeat_interval'], 45_000);
});

test('unknown keys in the file are refused, listing them', (t) => {
  const file = yamlFile('bootstrap:\n  cp_ur1: https://typo\nhartbeat_interval: 5s\nlog_level: info\n');
  const error = t.throws(() => loadConfig({ schema, env: {}, file }));
  t.true(isOtherixError(error, 'config_invalid'));
  t.regex(error.message, /bootstrap\.cp_ur1/);
  t.regex(error.message, /hartbeat_interval/);
  t.deepEqual((error as { details?: { unknown_keys?: string[] } }).details?.unknown_keys, ['bootstrap.cp_ur1', 'hartbeat_interval']);
});

test('a missing file is fine unless required; bad YAML is config_invalid', (t) => {
  const missing = join(tmpdir(), `otherix-no-such-${process.pid}-${Date.now()}.yaml`);
  t.is(loadConfig({ schema, env: {}, file: missing }).values['log_level'], 'info');
  const required = t.throws(() => loadConfig({ schema, env: {}, file: missing, fileRequired: true }));
  t.true(isOtherixError(required, 'config_invalid'));
  t.regex(required.message, /does not exist/);
  for (const text of ['a: [unclosed\n', 'key: value\n  bad indent: x\n', '- a list\n- not a mapping\n']) {
    t.true(
      isOtherixError(
        t.throws(() => loadConfig({ schema, env: {}, file: yamlFile(text) })),
        'config_invalid',
      ),
      text,
    );
  }
  t.deepEqual(loadConfig({ schema, env: {}, file: yamlFile('') }).sources['log_level'], 'default');
  // A section whose keys are all commented out is not an unknown key.
  t.is(loadConfig({ schema, env: {}, file: yamlFile('bootstrap:\n  # cp_url: https://x\nmigration: {}\n') }).values['log_level'], 'info');
  t.true(
    isOtherixError(
      t.throws(() => loadConfig({ schema, env: {}, file: yamlFile('bootstrapp:\n') })),
      'config_invalid',
    ),
  );
});

test('readYamlFile, toYaml, flattenKeys and unflattenKeys', (t) => {
  t.is(readYamlFile(join(tmpdir(), `otherix-absent-${process.pid}.yaml`)), undefined);
  const nested = {
    node_name: 'hv-01',
    tls: { cert_dir: '/var/lib/otherix/certs' },
    migration: { host: '10.0.0.5', port_range_start: 49152 },
  };
  const text = toYaml(nested);
  t.is(text, 'node_name: hv-01\ntls:\n  cert_dir: /var/lib/otherix/certs\nmigration:\n  host: 10.0.0.5\n  port_range_start: 49152\n');
  t.deepEqual(readYamlFile(yamlFile(text)), nested);
  const flat = flattenKeys(nested);
  t.deepEqual(flat, {
    node_name: 'hv-01',
    'tls.cert_dir': '/var/lib/otherix/certs',
    'migration.host': '10.0.0.5',
    'migration.port_range_start': 49152,
  });
  t.deepEqual(unflattenKeys(flat), nested);
  t.deepEqual(flattenKeys({ list: [1, 2], empty: {} }), { list: [1, 2], empty: {} });
  // No YAML timestamps: a date-like value stays the text the operator wrote.
  t.deepEqual(readYamlFile(yamlFile('when: 2026-01-01\n')), { when: '2026-01-01' });
});

test('a config file that never ends (/dev/zero) is config_invalid after 1 MiB, not read to its end', (t) => {
  const endless = t.throws(() => loadConfig({ schema, env: {}, file: '/dev/zero' }));
  t.true(isOtherixError(endless, 'config_invalid'), String(endless));
  t.regex(endless.message, /config file \/dev\/zero holds more than 1048576 bytes, which no Otherix config does: check the path/);
});
