// Connection flags -> the SDK's CLI settings (flags > env > config file) -> a pinned client.
// No HTTP, pinning or config logic lives here: the SDK does it.
import { createClient, loadCliSettings, cliClientOptions } from '@otherix/sdk';
import type { CliConnectionFlags, CliSettings, OtherixClient } from '@otherix/sdk';
import type { CommandInput } from './command-table.js';
import { stringOption } from './argv/option-values.js';

export function connectionFlags(input: CommandInput): CliConnectionFlags {
  const flags: CliConnectionFlags = {};
  const cpUrl = stringOption(input, 'cp-url');
  const caFingerprint = stringOption(input, 'ca-fingerprint');
  const token = stringOption(input, 'token');
  const tokenPath = stringOption(input, 'token-path');
  const tokenEnv = stringOption(input, 'token-env');
  if (cpUrl !== undefined) flags.cpUrl = cpUrl;
  if (caFingerprint !== undefined) flags.caFingerprint = caFingerprint;
  if (token !== undefined) flags.token = token;
  if (tokenPath !== undefined) flags.tokenPath = tokenPath;
  if (tokenEnv !== undefined) flags.tokenEnv = tokenEnv;
  return flags;
}

/** The settings in force (flags > env > config file); the SDK's warnings go to stderr. */
export function loadSettings(input: CommandInput): CliSettings {
  const settings = loadCliSettings({ flags: connectionFlags(input), env: process.env });
  for (const warning of settings.warnings) process.stderr.write(`${warning}\n`);
  return settings;
}

/** Runs `action` with a client for the resolved settings, and closes it afterwards. */
export async function withClient<T>(input: CommandInput, action: (client: OtherixClient) => Promise<T>): Promise<T> {
  const settings = loadSettings(input);
  const client = createClient(await cliClientOptions(settings));
  try {
    return await action(client);
  } finally {
    await client.close();
  }
}
