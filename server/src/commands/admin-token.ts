// `otherix-server admin-token --data-dir DIR | --database-url URL [--name NAME]`: recovery when no admin API token is
// left (all revoked, expired or lost). Run on the CP host, it mints a new admin token straight
// into the database: the token goes to stdout once, only its sha256 is stored (like every API
// token). It works whether the CP is running or not: SQLite in WAL mode takes this second
// connection, and its write waits its turn behind the CP's (busy timeout). A running CP accepts
// the token at once: it looks up every token it has not seen in the database (only live tokens
// it has seen are kept in memory, and never unknown ones). It takes no lock on the data dir:
// it must work beside the CP that holds it.
//
// The same change through a running CP is audited (api_token.created on its log): this command
// writes that audit line itself, on its stderr after what it tells the operator (audit.ts,
// commandAuditLine), with the host's user as the actor. The token never reaches it.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OtherixError, isOtherixError } from '@otherix/sdk';
import { openApiDocument } from '@otherix/sdk/internal';
import { commandAuditLine, hostUserActor } from '../audit/audit.js';
import { caFingerprintOf } from '../init/data-dir.js';
import { dataDirFiles } from '../init/files.js';
import { assertDataDirOwner } from '../init/owner.js';
import { ApiTokenService } from '../services/api-tokens.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';

/** created_by of tokens minted here (shown as CREATED-BY in `otherix api-token list`). */
export const OFFLINE_CREATOR = 'otherix-server admin-token';

/** The API's rule for token names (openapi.yaml ApiTokenCreateRequest.name). */
const NAME_PATTERN = new RegExp(
  (openApiDocument.components.schemas['ApiTokenCreateRequest']['properties'] as Record<string, { pattern: string }>)['name'].pattern,
);

interface OfflineAdminToken {
  id: string;
  name: string;
  /** The plaintext, to print once. */
  token: string;
  caFingerprint: string;
  /** Its end, for the audit line (null: it does not expire). */
  expiresAt: string | null;
}

/** `admin-recovery-20261127T105400Z`: unique enough, and says when and why it was made. */
export function defaultRecoveryName(now: number): string {
  return `admin-recovery-${new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

function recoveryName(name: string | undefined, now: number): string {
  const chosen = name ?? defaultRecoveryName(now);
  if (!NAME_PATTERN.test(chosen)) {
    throw new OtherixError(
      'validation_failed',
      `--name ${JSON.stringify(chosen)} is not a token name: 1-64 letters, digits and . _ @ -, starting with a letter or digit`,
    );
  }
  return chosen;
}

async function mint(store: Store, name: string, now: () => number, where: string, caFingerprint: string): Promise<OfflineAdminToken> {
  try {
    const minted = await new ApiTokenService(store, now).mint({ name, role: 'admin' }, OFFLINE_CREATOR);
    return { id: minted.id, name: minted.name, token: minted.token, caFingerprint, expiresAt: minted.expires_at };
  } catch (error) {
    if (isOtherixError(error, 'conflict')) {
      throw new OtherixError('conflict', `a live API token is already named ${name}: pick another name with --name`);
    }
    throw new OtherixError(
      'data_dir_invalid',
      `cannot mint an admin token in ${where}: ${(error as Error).message}; nothing was written: check the database and run it again`,
    );
  }
}

/**
 * On PostgreSQL (`--database-url`): the cluster's database, from any host that reaches it (no
 * data dir; a replica that never saw the token reads it from the database at its first use).
 */
export async function mintAdminTokenInDatabase(options: {
  databaseUrl: string;
  name?: string | undefined;
  now?: () => number;
}): Promise<OfflineAdminToken> {
  const now = options.now ?? Date.now;
  const name = recoveryName(options.name, now());
  // Loaded only here: a SQLite CP's commands do without PostgreSQL's client.
  const { PgStore, redactDatabaseUrl } = await import('../store/postgres/postgres-store.js');
  const store = await PgStore.open(options.databaseUrl);
  try {
    const cluster = await store.readCluster();
    if (cluster === undefined)
      throw new OtherixError(
        'data_dir_invalid',
        `no cluster in the database at ${redactDatabaseUrl(options.databaseUrl)}: start otherix-server --database-url on it once first`,
      );
    return await mint(store, name, now, `the database at ${redactDatabaseUrl(options.databaseUrl)}`, cluster.caFingerprint);
  } finally {
    await store.close();
  }
}

export async function mintAdminTokenOffline(options: {
  dataDir: string;
  name?: string | undefined;
  now?: () => number;
}): Promise<OfflineAdminToken> {
  const now = options.now ?? Date.now;
  const files = dataDirFiles(resolve(options.dataDir));
  const name = recoveryName(options.name, now());
  const database = await stat(files.database).catch(() => undefined);
  if (database === undefined) {
    throw new OtherixError(
      'data_dir_invalid',
      `no control plane database in ${files.dir} (${files.database} is missing): give the --data-dir of an otherix-server that has started at least once`,
    );
  }
  await assertDataDirOwner(files, `otherix-server admin-token --data-dir ${files.dir}`);
  const caFingerprint = await caFingerprintOf(files.dir);
  let store: SqliteStore;
  try {
    store = await SqliteStore.open(files.database);
  } catch (error) {
    throw new OtherixError(
      'data_dir_invalid',
      `cannot mint an admin token in ${files.database}: ${(error as Error).message}; nothing was written: check the file and run it again`,
    );
  }
  try {
    return await mint(store, name, now, files.database, caFingerprint);
  } finally {
    await store.close();
  }
}

/** The command: the token alone on stdout (so it can be redirected), what to do next on stderr. */
export async function adminTokenCommand(options: {
  dataDir: string;
  databaseUrl?: string | undefined;
  name?: string | undefined;
}): Promise<number> {
  const minted =
    options.databaseUrl === undefined
      ? await mintAdminTokenOffline(options)
      : await mintAdminTokenInDatabase({ databaseUrl: options.databaseUrl, name: options.name });
  process.stdout.write(`${minted.token}\n`);
  process.stderr.write(
    `otherix-server: minted the admin API token ${minted.name} (id ${minted.id}); it is printed once, above, and only its hash is kept.\n` +
      `next: save it in a file only you can read, then otherix login --cp-url https://<this control plane>:<port> --ca-fingerprint ${minted.caFingerprint} --token-path <that file>\n`,
  );
  process.stderr.write(
    commandAuditLine(
      'api_token.created',
      { api_token_id: minted.id, api_token_name: minted.name, role: 'admin', expires_at: minted.expiresAt },
      hostUserActor(OFFLINE_CREATOR),
    ),
  );
  return 0;
}
