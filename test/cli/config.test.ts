// The CLI's connection settings in the SDK: where the file lives, which layer wins, and the
// token sources. No network; the file is a real file in a temp folder.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliClientOptions, cliConfigPath, loadCliSettings, isOtherixError } from '@otherix/sdk';
import { saveCliConfig } from '@otherix/sdk/internal';

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-cli-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('the config path: OTHERIX_CONFIG, else XDG_CONFIG_HOME, else ~/.config', (t) => {
  t.is(cliConfigPath({ OTHERIX_CONFIG: '/x/c.yaml', XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' }), '/x/c.yaml');
  t.is(cliConfigPath({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' }), '/xdg/otherix/config.yaml');
  t.is(cliConfigPath({ XDG_CONFIG_HOME: '', HOME: '/home/u' }), '/home/u/.config/otherix/config.yaml');
});

test('flags beat the environment, which beats the file; each value says where it came from', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'cp_url: https://file:8443\nca_fingerprint: sha256:file\ntoken: file-token\nca_pem: PEM\n', { mode: 0o600 });
  const env = { OTHERIX_CONFIG: file };

  const fromFile = loadCliSettings({ flags: {}, env });
  t.like(fromFile, { cpUrl: 'https://file:8443', caFingerprint: 'sha256:file', token: 'file-token', caPem: 'PEM' });
  t.deepEqual(fromFile.sources, { cpUrl: 'file', caFingerprint: 'file', token: 'file' });

  const fromEnv = loadCliSettings({ flags: {}, env: { ...env, OTHERIX_CP_URL: 'https://env:8443', OTHERIX_TOKEN: 'env-token' } });
  t.like(fromEnv, { cpUrl: 'https://env:8443', caFingerprint: 'sha256:file', token: 'env-token' });
  t.deepEqual(fromEnv.sources, { cpUrl: 'env', caFingerprint: 'file', token: 'env' });

  const fromFlags = loadCliSettings({
    flags: { cpUrl: 'https://flag:8443', caFingerprint: 'sha256:flag', tokenEnv: 'MINE' },
    env: { ...env, OTHERIX_CP_URL: 'https://env:8443', OTHERIX_TOKEN: 'env-token', MINE: ' flag-token\n' },
  });
  t.like(fromFlags, { cpUrl: 'https://flag:8443', caFingerprint: 'sha256:flag', token: 'flag-token' });
  t.deepEqual(fromFlags.sources, { cpUrl: 'flag', caFingerprint: 'flag', token: 'flag' });
});

test('--token-path reads a trimmed file; two token sources are a usage error naming both', async (t) => {
  const dir = await tempDir(t);
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, '  otx_api_x \n', { mode: 0o600 });
  t.is(loadCliSettings({ flags: { tokenPath: tokenFile }, env: { HOME: dir } }).token, 'otx_api_x');

  const both = t.throws(() => loadCliSettings({ flags: { token: 'a', tokenPath: tokenFile }, env: { HOME: dir } }));
  t.true(isOtherixError(both, 'usage'));
  t.regex(both.message, /--token and --token-path/);
  const missing = t.throws(() => loadCliSettings({ flags: { tokenEnv: 'NOT_SET' }, env: { HOME: dir } }));
  t.true(isOtherixError(missing, 'usage'));
  const unreadable = t.throws(() => loadCliSettings({ flags: { tokenPath: join(dir, 'absent') }, env: { HOME: dir } }));
  t.true(isOtherixError(unreadable, 'usage'));
});

test('a config file with an unknown key is config_invalid, not silently ignored', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'cp_ulr: https://typo:8443\n');
  const error = t.throws(() => loadCliSettings({ flags: {}, env: { OTHERIX_CONFIG: file } }));
  t.true(isOtherixError(error, 'config_invalid'));
  t.regex(error.message, /cp_ulr/);
});

test('nothing configured: cliClientOptions is a usage error that points at otherix login', async (t) => {
  const dir = await tempDir(t);
  const settings = loadCliSettings({ flags: {}, env: { HOME: dir } });
  const error = await t.throwsAsync(cliClientOptions(settings));
  t.true(isOtherixError(error, 'usage'));
  t.regex(error.message, /otherix login/);
});

test('saveCliConfig creates the folder 0700 and the file 0600, with no temp file left', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'nested', 'otherix', 'config.yaml');
  await saveCliConfig(file, { cp_url: 'https://cp:8443', ca_pem: 'PEM', ca_fingerprint: 'sha256:ab', token: 'otx_api_y' });
  t.is((await stat(file)).mode & 0o777, 0o600);
  t.is((await stat(join(dir, 'nested', 'otherix'))).mode & 0o777, 0o700);
  t.deepEqual(await readdir(join(dir, 'nested', 'otherix')), ['config.yaml']);
  const settings = loadCliSettings({ flags: {}, env: { OTHERIX_CONFIG: file } });
  t.like(settings, { cpUrl: 'https://cp:8443', caPem: 'PEM', caFingerprint: 'sha256:ab', token: 'otx_api_y' });
});

test('a --token-path that never ends (/dev/zero) is a usage error, read only a few KiB', (t) => {
  const error = t.throws(() =>
    loadCliSettings({ flags: { tokenPath: '/dev/zero' }, env: { OTHERIX_CONFIG: '/nonexistent/otherix/config.yaml' } }),
  );
  t.is((error as { code?: string }).code, 'usage');
  t.regex(error.message, /--token-path \/dev\/zero: the file holds more than 4096 bytes/);
});
