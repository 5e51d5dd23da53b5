// Who else may change what the agent trusts. The cert dir holds the node's key and the one CA
// the agent trusts; agent.yaml's folder decides which cert dir and which CP. Another user who
// can write any of them could swap ca.crt (and so the CP the agent obeys), the certificate, or
// agent.yaml, so bootstrap and serve refuse to use them, as the CP refuses an exposed ca.key:
//   - the cert dir, its current generation folder (`..data`), agent.yaml's folder, agent.crt,
//     ca.crt and agent.yaml: not writable by group or others;
//   - agent.key: neither readable nor writable by group or others (0600, as bootstrap makes it).
// Only what the agent names is checked, not every folder above it (a system's /var/lib is not
// the agent's to judge). Paths that do not exist yet are not a problem here.
import { realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OtherixError } from '../errors.js';
import { CERT_FILES } from './cert-dir.js';

interface PermissionProblem {
  path: string;
  /** The mode found, e.g. 0o777. */
  mode: number;
  /** What is wrong, as a sentence's end: `is writable by group or others (mode 0777)`. */
  problem: string;
  /** The command that fixes it. */
  fix: string;
}

const GROUP_OR_OTHERS_WRITE = 0o022;
const GROUP_OR_OTHERS_ANY = 0o077;

/** Every loose mode among the agent's folders and files (empty when all are safe or absent). */
function agentFilePermissionProblems(paths: { certDir: string; configPath: string }): PermissionProblem[] {
  const problems: PermissionProblem[] = [];
  const check = (path: string, kind: 'folder' | 'file' | 'key'): void => {
    let mode: number;
    try {
      const stats = statSync(path);
      if (kind === 'folder' ? !stats.isDirectory() : !stats.isFile()) return;
      mode = stats.mode & 0o7777;
    } catch {
      return; // absent (or unreadable): other checks say so
    }
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    if (kind === 'key' && (mode & GROUP_OR_OTHERS_ANY) !== 0) {
      problems.push({ path, mode, problem: `is readable or writable by group or others (mode ${octal})`, fix: `chmod 600 ${path}` });
    } else if (kind !== 'key' && (mode & GROUP_OR_OTHERS_WRITE) !== 0) {
      problems.push({ path, mode, problem: `is writable by group or others (mode ${octal})`, fix: `chmod go-w ${path}` });
    }
  };
  check(paths.certDir, 'folder');
  const generation = realpathOrUndefined(join(paths.certDir, '..data'));
  if (generation !== undefined) check(generation, 'folder');
  check(join(paths.certDir, CERT_FILES.key), 'key');
  check(join(paths.certDir, CERT_FILES.cert), 'file');
  check(join(paths.certDir, CERT_FILES.ca), 'file');
  check(dirname(paths.configPath), 'folder');
  check(paths.configPath, 'file');
  return problems;
}

/** The problems as one `insecure_permissions` error: each path, what is wrong, and the chmod to run. */
function insecurePermissionsError(problems: readonly PermissionProblem[], tail = ''): OtherixError {
  const found = problems.map((p) => `${p.path} ${p.problem}`).join('; ');
  const fixes = problems.map((p) => p.fix).join(' && ');
  const keyExposed = problems.some((p) => p.fix.startsWith('chmod 600'))
    ? ' (if others could read agent.key, also re-issue the certificate with `otherix-agent bootstrap --force`)'
    : '';
  return new OtherixError(
    'insecure_permissions',
    `${found}: another user could swap ca.crt, the certificate or agent.yaml, or read the key: run \`${fixes}\`${keyExposed}${tail}`,
    { details: { paths: problems.map((p) => p.path), fix: fixes } },
  );
}

/**
 * Throws `forbidden` when the cert dir exists and belongs to another user than the one running:
 * the new agent.key (0600, this user's) would be unreadable to a serve running as the dir's
 * owner, which could then no longer load its identity (root running `otherix-agent renew` on a
 * host whose serve runs as `otherix` is the usual way to get there). `command` is how to run it
 * again, e.g. `otherix-agent renew --config /etc/otherix/agent.yaml`; `tail` ends the message.
 */
export function assertCertDirOwner(certDir: string, command: string, tail = ''): void {
  let owner: number;
  try {
    owner = statSync(certDir).uid;
  } catch {
    return; // absent: whoever creates it owns it
  }
  const me = process.getuid?.();
  if (me === undefined || me === owner) return;
  throw new OtherixError(
    'forbidden',
    `${certDir} belongs to uid ${owner} and this runs as uid ${me}: the new agent.key (0600) would belong to uid ${me}, and a serve running as uid ${owner} could not read it: ` +
      `run it as the cert dir's owner (e.g. sudo -u '#${owner}' ${command})${tail}`,
    { details: { cert_dir: certDir, owner_uid: owner, uid: me } },
  );
}

/** Throws insecure_permissions when any of the agent's folders or files is loose. */
export function assertAgentFilePermissions(paths: { certDir: string; configPath: string }, tail = ''): void {
  const problems = agentFilePermissionProblems(paths);
  if (problems.length > 0) throw insecurePermissionsError(problems, tail);
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
