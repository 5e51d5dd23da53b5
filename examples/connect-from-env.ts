// Shared by the examples: the connection an automation script gets from its environment.
//   OTHERIX_CP_URL          https://host:port of the control plane
//   OTHERIX_CA_FINGERPRINT  sha256:<hex> printed by `otherix-server` (and at every mint)
//   OTHERIX_TOKEN           an API token (admin for the join-token and delete examples)
// The CA is pinned the same way the agent and `otherix login` do it (trust on first use): the
// token is sent only over connections that trust that one CA.
import { join } from 'node:path';
import { OtherixError, createClient, isOtherixError, pinCa } from '@otherix/sdk';
import type { BootstrapOptions, BootstrapOutcome, JoinTokenCreated, OtherixClient, OtherixErrorCode } from '@otherix/sdk';

interface Connection {
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
    const code = isOtherixError(error) ? error.code : 'internal';
    console.error(`error: ${code}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

/**
 * bootstrapNode's options for a node of the examples' own: its files in `home` (a temp folder),
 * its endpoints on loopback, which never collide (a real host advertises its own address).
 */
export function loopbackNode(minted: JoinTokenCreated, cpUrl: string, nodeName: string, home: string): BootstrapOptions {
  return {
    token: minted.token,
    caFingerprint: minted.ca_fingerprint,
    cpUrl,
    nodeName,
    advertisedEndpoint: 'https://127.0.0.1:9443',
    migrationHost: '127.0.0.1',
    certDir: join(home, 'certs'),
    configPath: join(home, 'agent.yaml'),
  };
}

/** The node a bootstrap joined: in its fresh temp folder, an example's node is never bootstrapped already. */
export function joinedNode(outcome: BootstrapOutcome): Extract<BootstrapOutcome, { kind: 'joined' }> {
  if (outcome.kind !== 'joined') throw new OtherixError('internal', `expected a join, got ${outcome.kind}`);
  return outcome;
}

/** Runs `action`, which the CP must refuse with `code` (`what` says what it tried), and returns the refusal. */
export async function refusalOf(code: OtherixErrorCode, what: string, action: () => Promise<unknown>): Promise<OtherixError> {
  try {
    await action();
  } catch (error) {
    if (isOtherixError(error, code)) return error;
    throw error;
  }
  throw new OtherixError('internal', `${what} was not refused`);
}
