// Shared by the examples: the connection an automation script gets from its environment.
//   OTHERIX_CP_URL          https://host:port of the control plane
//   OTHERIX_CA_FINGERPRINT  sha256:<hex> printed by `otherix-server` (and at every mint)
//   OTHERIX_TOKEN           an API token (admin for the join-token and delete examples)
// The CA is pinned the same way the agent and `otherix login` do it (trust on first use): the
// token is sent only over connections that trust that one CA.
import { createClient, pinCa } from '@otherix/sdk';
import type { OtherixClient } from '@otherix/sdk';

export interface Connection {
  cpUrl: string;
  caFingerprint: string;
  caPem: string;
  client: OtherixClient;
}

export async function connectFromEnv(): Promise<Connection> {
  const missing = ['OTHERIX_CP_URL', 'OTHERIX_CA_FINGERPRINT', 'OTHERIX_TOKEN'].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    console.error(`set ${missing.join(', ')} (see the header comment of this example)`);
    process.exit(2);
  }
  const cpUrl = process.env['OTHERIX_CP_URL']!;
  const caFingerprint = process.env['OTHERIX_CA_FINGERPRINT']!;
  const pinned = await pinCa({ cpUrl, fingerprint: caFingerprint });
  const client = createClient({ cpUrl, caPem: pinned.caPem, token: process.env['OTHERIX_TOKEN']! });
  return { cpUrl, caFingerprint: pinned.fingerprint, caPem: pinned.caPem, client };
}

/** Runs an example's main; prints an SDK error as `error: <code>: <message>` and exits 1. */
export function runExample(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const { code, message } = error as { code?: string; message?: string };
    console.error(`error: ${code ?? 'unexpected'}: ${message ?? String(error)}`);
    process.exit(1);
  });
}
