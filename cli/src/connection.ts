// Connection flags -> the SDK's CLI settings (flags > env > config file) -> a pinned client.
// No HTTP, pinning or config logic lives here: the SDK does it.
import { OtherixError, createClient, isOtherixError, loadCliSettings, cliClientOptions } from '@otherix/sdk';
import type { CliConnectionFlags, CliSettings, OtherixClient } from '@otherix/sdk';
import { recoverCliTrust, refreshCliTrust } from '@otherix/sdk/internal';

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
  try {
    return await withSettings(settings, action);
  } catch (error) {
    // The CP moved to a CA this CLI has not saved yet (a CA rotation): taken only when the pinned CA vouches for it.
    if (!isOtherixError(error, 'tls_failed')) throw error;
    const recovered = await recoverCliTrust(settings).catch(() => undefined);
    if (recovered === undefined) throw error;
    if (!recovered.saved) {
      throw new OtherixError(
        'tls_failed',
        `the control plane at ${settings.cpUrl} serves CA ${recovered.served}, which the CA this CLI pinned (${settings.caFingerprint}) does not vouch for: ` +
          `the cluster CA was rotated more than once since this CLI last ran a command, or something is in the middle; ` +
          `take the fingerprint from the CP host (\`otherix-server ca-fingerprint\`) or an admin and run \`otherix login\` again. Nothing was saved`,
        { cause: error },
      );
    }
    process.stderr.write(
      `otherix: the cluster CA was rotated: saved CA ${recovered.served} (vouched for by the CA you pinned) to ${settings.configPath}\n`,
    );
    return withSettings(loadSettings(flags), action);
  }
}

async function withSettings<T>(settings: CliSettings, action: (client: OtherixClient, settings: CliSettings) => Promise<T>): Promise<T> {
  const client = createClient(await cliClientOptions(settings));
  try {
    const result = await action(client, settings);
    // A CA rotation's new trust, saved over this already-trusted connection (the SDK's cli-trust.ts).
    await refreshCliTrust(client, settings).catch((error: unknown) => {
      process.stderr.write(
        `otherix: warning: could not check the cluster's CA bundle (${(error as Error).message}); the saved CA stays as it is\n`,
      );
    });
    return result;
  } finally {
    await client.close();
  }
}
