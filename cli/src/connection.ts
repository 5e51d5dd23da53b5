// Connection flags -> the SDK's CLI settings (flags > env > config file) -> a pinned client.
// No HTTP, pinning or config logic lives here: the SDK does it.
import { createClient, loadCliSettings, cliClientOptions } from '@otherix/sdk';
import type { CliConnectionFlags, CliSettings, OtherixClient } from '@otherix/sdk';
import { refreshCliTrust } from '@otherix/sdk/internal';

/** The settings in force (flags > env > config file); the SDK's warnings go to stderr. */
export function loadSettings(flags: CliConnectionFlags): CliSettings {
  const settings = loadCliSettings({ flags, env: process.env });
  for (const warning of settings.warnings) process.stderr.write(`${warning}\n`);
  return settings;
}

/** Runs `action` with a client for the resolved settings (also given), and closes it afterwards. */
export async function withClient<T>(
  flags: CliConnectionFlags,
  action: (client: OtherixClient, settings: CliSettings) => Promise<T>,
): Promise<T> {
  const settings = loadSettings(flags);
  const client = createClient(await cliClientOptions(settings));
  try {
    const result = await action(client, settings);
    // A CA rotation's new trust, saved over this already-trusted connection (the SDK's cli-trust.ts).
    await refreshCliTrust(client, settings).catch((error: unknown) => {
      process.stderr.write(`otherix: warning: could not check the cluster's CA bundle (${(error as Error).message}); the saved CA stays as it is\n`);
    });
    return result;
  } finally {
    await client.close();
  }
}
