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

/** The settings in force (flags > env > config file), warning once about `--token`. */
export function loadSettings(input: CommandInput): CliSettings {
  const flags = connectionFlags(input);
  const settings = loadCliSettings({ flags, env: process.env });
  if (flags.token !== undefined) {
    // As the agent does: the literal is accepted (scripts use it) but every local user can read it.
    process.stderr.write('warning: --token puts the API token in the process list, visible to every local user; prefer --token-path FILE or --token-env NAME\n');
  }
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
