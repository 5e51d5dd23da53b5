// otherix login --cp-url URL[,URL...] --ca-fingerprint FP (--token T | --token-path F | --token-env NAME)
// Pins the CA exactly as the agent does, proves the token with whoami over the pinned
// connection, and only then saves the settings: a refusal at any step saves nothing. Several
// URLs (replicas of one cluster) are tried in order and saved as given.
import { OtherixError, createClient, pinCa } from '@otherix/sdk';
import { cliCpUrls, formatCpUrls, saveCliConfig } from '@otherix/sdk/internal';
import type { CommandInput } from '../command-flags.js';
import { loadSettings } from '../connection.js';
import { print } from '../output.js';

export async function run(input: CommandInput<Record<never, never>>): Promise<void> {
  const settings = loadSettings(input.connection);
  const { caFingerprint, token } = settings;
  const cpUrls = cliCpUrls(settings);
  if (cpUrls.length === 0) throw new OtherixError('usage', 'login needs --cp-url (or OTHERIX_CP_URL)');
  if (caFingerprint === undefined)
    throw new OtherixError('usage', 'login needs --ca-fingerprint (or OTHERIX_CA_FINGERPRINT): ask the admin for the CA fingerprint');
  if (token === undefined)
    throw new OtherixError('usage', 'login needs a token: --token-path FILE, --token-env NAME, --token T or OTHERIX_TOKEN');

  const pinned = await pinCa({ cpUrl: cpUrls, fingerprint: caFingerprint });
  const client = createClient({ cpUrl: cpUrls, caPem: pinned.caPem, token });
  let whoami;
  try {
    whoami = await client.whoami();
  } finally {
    await client.close();
  }
  const cpUrl = formatCpUrls(cpUrls);
  await saveCliConfig(settings.configPath, { cp_url: cpUrl, ca_pem: pinned.caPem, ca_fingerprint: pinned.fingerprint, token });
  print(
    [
      `Logged in to ${cpUrl} as ${whoami.name} (role: ${whoami.role}).`,
      `CA pinned: ${pinned.fingerprint}.`,
      `Settings saved to ${settings.configPath} (mode 0600).`,
    ].join('\n'),
  );
}
