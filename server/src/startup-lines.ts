// The two lines otherix-server prints on stderr once it listens: the first is the one scripts
// and tests wait for, the second what to do next. Never a secret: the token stays in its file.
// When admin.token no longer logs anyone in (revoked, expired, unknown to this database, gone),
// the next step is how to get a token that does, not a login that would fail.
import { isIP } from 'node:net';
import type { AdminTokenFileState } from './services/admin-token-file.js';

export interface StartupFacts {
  url: string;
  listenHost: string;
  advertiseHosts: readonly string[];
  fingerprint: string;
  dataDir: string;
  adminTokenFile: string;
  adminTokenState: AdminTokenFileState;
  /** On PostgreSQL: the recovery command takes the database URL (default: `--data-dir DIR`). */
  onPostgres?: boolean;
}

const WHY_NOT: Record<Exclude<AdminTokenFileState, 'live'>, string> = {
  missing: 'does not exist',
  not_a_token: 'does not hold an API token',
  unknown: 'holds a token this control plane does not know',
  revoked: 'holds a revoked API token',
  expired: 'holds an expired API token',
  not_admin: 'holds a token without the admin role',
};

export function startupLines(facts: StartupFacts): [string, string] {
  const { url, fingerprint, adminTokenFile, adminTokenState } = facts;
  const cpUrl = clientUrl(facts);
  if (adminTokenState === 'live') {
    return [
      `otherix-server listening on ${url} (CA fingerprint ${fingerprint}; admin token in ${adminTokenFile})`,
      `next: otherix login --cp-url ${cpUrl} --ca-fingerprint ${fingerprint} --token-path ${adminTokenFile}, then otherix node join-token create --node-name <name>`,
    ];
  }
  return [
    `otherix-server listening on ${url} (CA fingerprint ${fingerprint}; no working admin token in ${adminTokenFile})`,
    `next: ${adminTokenFile} ${WHY_NOT[adminTokenState]}, so \`otherix login\` with it would fail: if you have no other admin token, run \`otherix-server admin-token ${facts.onPostgres === true ? '--database-url <the database URL>' : `--data-dir ${facts.dataDir}`}\` on this host ` +
      `(it prints a new admin token once), save it in a file only you can read, then otherix login --cp-url ${cpUrl} --ca-fingerprint ${fingerprint} --token-path <that file>`,
  ];
}

/** A wildcard listen address is no URL to give a client: prefer a name the certificate carries. */
function clientUrl({ url, listenHost, advertiseHosts }: StartupFacts): string {
  const wildcard = ['0.0.0.0', '::'].includes(listenHost);
  const advertised = advertiseHosts[0];
  if (!wildcard || advertised === undefined) return url;
  return url.replace(
    /^https:\/\/[^/]*:(\d+)$/,
    (_all, port: string) => `https://${isIP(advertised) === 6 ? `[${advertised}]` : advertised}:${port}`,
  );
}
