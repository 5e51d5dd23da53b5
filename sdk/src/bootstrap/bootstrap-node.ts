// bootstrapNode(): the seed's "What bootstrap does", in order, with its idempotency rules.
//   0. validate every option, refuse folders and files others could swap, and look at the
//      cert dir (no network, nothing consumed), make the folders and check they have room;
//   1. pin the CA fetched from /v1/ca against the fingerprint (TOFU), and compare clocks with the CP;
//   2. generate an ECDSA P-384 key and a CSR;
//   3. redeem the token over a connection that trusts only the pinned CA;
//   4. re-verify the answer, then write the cert files atomically and agent.yaml if absent.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OtherixError, isOtherixError } from '../errors.js';
import { createClient } from '../client/create-client.js';
import { formatCpUrls, parseCpUrls, startingAt } from '../client/cp-urls.js';
import { failedCallOf } from '../client/failover.js';
import type { JoinResponse, Node } from '../client/types.js';
import { pinCa } from '../pki/tofu.js';
import { generateNodeKeyPair, exportPrivateKeyPem, publicKeySpkiDerOf } from '../pki/keys.js';
import { createCsr } from '../pki/csr.js';
import { verifyIssuedIdentity } from '../pki/chain.js';
import { issuerAmong, readTrustBundle } from '../pki/trust-bundle.js';
import type { TrustBundle } from '../pki/trust-bundle.js';
import { fingerprintOfPem, fingerprintsEqual, parseFingerprint } from '../pki/fingerprint.js';
import { nodeSpiffeId } from '../pki/identity.js';
import { readFileSetState, writeFileAtomic, writeFileSetAtomic } from '../files/atomic.js';
import { AGENT_CONFIG_FILE_MODE, renderAgentConfig } from '../config/agent-config.js';
import { CERT_FILES, CERT_FILE_NAMES, KEY_FILE_MODE, PUBLIC_FILE_MODE } from './cert-dir.js';
import { resolveBootstrapOptions, type BootstrapOptions, type ResolvedBootstrapOptions } from './options.js';
import { ensureFolder, prepareFolders, type DestinationFolder } from './destinations.js';
import { assertAgentFilePermissions, assertCertDirOwner } from './file-permissions.js';
import { explainJoinRefusal } from './refusals.js';
import { assertClocksAgree } from './clock-skew.js';
import { unknownJoinOutcome } from './unknown-outcome.js';
import { AGENT_CONFIG_NEED, CERT_SET_NEED, assertFreeSpace, type SpaceNeed } from './free-space.js';
import { checkCertSet } from './cert-set-check.js';

export type BootstrapOutcome =
  | { kind: 'joined'; node: Node; certDir: string; configPath: string; configWritten: boolean; serial: string }
  | { kind: 'already_bootstrapped'; certDir: string; configPath: string; configWritten: boolean };

/**
 * Joins this host to the cluster, as `otherix-agent bootstrap` does: pins the CA, checks the
 * clocks, generates a P-384 key and CSR (the key never leaves the host), redeems the join token
 * over the pinned connection, re-verifies the answer and writes agent.key (0600), agent.crt and
 * ca.crt as one atomic set, then agent.yaml if absent. Re-running on a bootstrapped host returns
 * `already_bootstrapped` without using the token (unless `force`).
 * @throws OtherixError `usage` (options), `insecure_permissions`, `forbidden` (a cert dir of another
 *   user), `bootstrap_partial_state`,
 *   `insufficient_space`, `file_write_failed`, `identity_mismatch` (local checks, token unused);
 *   pinning's codes (`fingerprint_mismatch`, `invalid_ca`, ...); `clock_skew` (token unused);
 *   OtherixApiError `token_rejected`, `validation_failed`, `conflict`, `rate_limited` from the CP;
 *   `chain_invalid`, `key_mismatch`, `identity_mismatch` for a leaf that does not fit;
 *   `join_outcome_unknown` when the join went out and no answer came (the message says how to check).
 * @example
 * const outcome = await bootstrapNode({ token, caFingerprint, cpUrl, nodeName: 'node-1',
 *   advertisedEndpoint: 'https://10.0.0.5:9443', migrationHost: '10.0.0.5' });
 */
export async function bootstrapNode(options: BootstrapOptions): Promise<BootstrapOutcome> {
  const o = resolveBootstrapOptions(options);
  // Folders and files someone else could swap are refused before anything is redeemed.
  assertAgentFilePermissions({ certDir: o.certDir, configPath: o.configPath }, '; the join token was not used');
  // Writing into a cert dir of another user would leave a key its serve cannot read.
  assertCertDirOwner(o.certDir, 'otherix-agent bootstrap ...', '; the join token was not used');

  const state = await readFileSetState(o.certDir, [...CERT_FILE_NAMES]);
  if (!o.force && state.missing.length === 0) {
    // Files that do not parse, or of another cluster or node, are not "already bootstrapped" as
    // asked (no network).
    await assertSameIdentity(o);
    // A run that crashed after the cert set but before agent.yaml is completed here.
    const configWritten = await writeAgentConfigIfAbsent(o);
    return { kind: 'already_bootstrapped', certDir: o.certDir, configPath: o.configPath, configWritten };
  }
  if (!o.force && state.present.length > 0) {
    throw new OtherixError(
      'bootstrap_partial_state',
      `partial cert state in ${o.certDir}: present ${state.present.join(', ')}; missing ${state.missing.join(', ')}: delete the orphans (${state.present.join(', ')}) and re-run with a fresh token, or re-run with --force`,
      { details: { cert_dir: o.certDir, present: state.present, missing: state.missing } },
    );
  }

  // 0. The folders exist, are writable and have room before anything can spend the token.
  const destinations: DestinationFolder[] = [{ folder: o.certDir, mode: 0o700, flag: '--cert-dir' }];
  const space: SpaceNeed[] = [{ folder: o.certDir, flag: '--cert-dir', ...CERT_SET_NEED }];
  if (!existsSync(o.configPath)) {
    destinations.push({ folder: dirname(o.configPath), mode: 0o755, flag: '--config-path' });
    space.push({ folder: dirname(o.configPath), flag: '--config-path', ...AGENT_CONFIG_NEED });
  }
  const folders = await prepareFolders(destinations);
  let joined: Joined;
  try {
    await assertFreeSpace(space);
    joined = await pinAndRedeem(o);
  } catch (error) {
    // Nothing was written and the token may be unspent: leave no empty folders.
    await folders.undo();
    throw error;
  }
  // The token is spent from here on: the folders stay, whatever happens to the writes.
  return writeJoined(o, joined);
}

/** What the join brought back, re-verified, and the key it was for. */
interface Joined {
  answer: JoinResponse;
  keyPem: string;
  caPem: string;
}

async function pinAndRedeem(o: ResolvedBootstrapOptions): Promise<Joined> {
  // 1. Pin first: the token is sent only over a connection that trusts the pinned CA alone.
  // 2. Key and CSR (the CP copies nothing from the CSR but its public key); they need no
  //    network, so they are made while the CA is fetched.
  const [pinned, { keyPair, csrPem }] = await Promise.all([
    pinCa({ cpUrl: o.cpUrl, fingerprint: o.caFingerprint, requestTimeoutMs: o.requestTimeoutMs }),
    generateNodeKeyPair().then(async (keyPair) => ({ keyPair, csrPem: await createCsr(keyPair, o.nodeName) })),
  ]);

  // A host whose clock is far from the CP's would get a certificate dated by the other clock:
  // refuse while the token is still good.
  assertClocksAgree({ hostNow: o.now(), cpNow: pinned.serverDate, cpUrl: pinned.cpUrl });

  // 3. Redeem, first at the URL that just answered the pin. With several URLs the join moves on
  // to the next only when it cannot have been redeemed where it failed: the connection never
  // came up, or that CP answered that it failed (failover.ts). Once it may have arrived and no
  // answer came, the outcome is unknown and nothing is sent elsewhere: that could spend the token
  // twice. unknownJoinOutcome says so and gives the way on (a bound token and --force).
  const client = createClient({
    cpUrl: startingAt(parseCpUrls(o.cpUrl), pinned.cpUrl),
    caPem: pinned.caPem,
    requestTimeoutMs: o.requestTimeoutMs,
  });
  let joined: JoinResponse;
  try {
    joined = await client.nodes.join({
      token: o.token,
      node_name: o.nodeName,
      csr_pem: csrPem,
      advertised_endpoint: o.advertisedEndpoint,
      migration: { host: o.migrationHost, port_range_start: o.migrationPortRangeStart, port_range_end: o.migrationPortRangeEnd },
      architecture: o.architecture,
      agent_version: o.agentVersion,
    });
  } catch (error) {
    const unknownAt = failedCallOf(error)?.unknownAt[0];
    throw (
      unknownJoinOutcome(error, { requestSent: unknownAt !== undefined, nodeName: o.nodeName, cpUrl: unknownAt ?? pinned.cpUrl }) ??
      explainJoinRefusal(error)
    );
  } finally {
    await client.close();
  }

  // 4. Trust nothing in the answer that is not checked: the bundle must be anchored at the pinned
  // CA (during a CA rotation it also holds the other CA, vouched for by the pinned CA's
  // cross-certificate: readTrustBundle), and the leaf must chain to a CA it trusts, hold our key
  // and name our node.
  const keyPem = await exportPrivateKeyPem(keyPair.privateKey);
  let trust: TrustBundle;
  try {
    if (!bundleHoldsPinnedCa(joined.ca_bundle_pem, pinned.fingerprint)) {
      throw new OtherixError('chain_invalid', `the join answer's CA bundle does not hold the pinned CA ${pinned.fingerprint}`);
    }
    trust = readTrustBundle(joined.ca_bundle_pem, "the join answer's CA bundle", { anchor: pinned.fingerprint });
    verifyIssuedIdentity({
      leafPem: joined.certificate_pem,
      caPem: issuerAmong(joined.certificate_pem, trust.trustedPem),
      spkiDer: publicKeySpkiDerOf(keyPem),
      expectedUri: nodeSpiffeId(o.nodeName),
      now: new Date(o.now()),
    });
  } catch (error) {
    if (!isOtherixError(error)) throw error;
    // The CP consumed the token when it answered: say so, since the way out is a new one.
    throw new OtherixError(
      error.code,
      `${error.message}; nothing was written, and the join token is spent: fix the cause, then mint a new one with \`otherix node join-token create\``,
      { cause: error, ...(error.details !== undefined ? { details: error.details } : {}) },
    );
  }
  return { answer: joined, keyPem, caPem: trust.bundlePem };
}

/** 4b. The cert set, then agent.yaml if absent; a failure here comes after the token was spent. */
async function writeJoined(o: ResolvedBootstrapOptions, { answer: joined, keyPem, caPem }: Joined): Promise<BootstrapOutcome> {
  try {
    await writeFileSetAtomic(o.certDir, [
      { name: CERT_FILES.key, data: keyPem, mode: KEY_FILE_MODE },
      { name: CERT_FILES.cert, data: joined.certificate_pem, mode: PUBLIC_FILE_MODE },
      { name: CERT_FILES.ca, data: caPem, mode: PUBLIC_FILE_MODE },
    ]);
  } catch (error) {
    throw spent(
      error,
      `then mint a new token bound to ${o.nodeName} (\`otherix node join-token create --node-name ${o.nodeName}\`) and re-run with --force`,
    );
  }

  let configWritten: boolean;
  try {
    configWritten = await writeAgentConfigIfAbsent(o);
  } catch (error) {
    // The cert set is whole, so a plain re-run takes the already-bootstrapped path, which
    // writes the missing agent.yaml and redeems nothing: no new token is needed.
    throw spent(
      error,
      `then re-run the same command without --force: ${CERT_FILES.key}, ${CERT_FILES.cert} and ${CERT_FILES.ca} are in place, so it only writes the missing ${o.configPath}`,
    );
  }
  return {
    kind: 'joined',
    node: joined.node,
    certDir: o.certDir,
    configPath: o.configPath,
    configWritten,
    serial: joined.node.certificate.serial,
  };
}

/** A write failure after the join, told as what it is: the token is gone. */
function spent(error: unknown, wayOut: string): unknown {
  if (!isOtherixError(error) && !(error instanceof Error)) return error;
  const cause = error instanceof Error ? error.message : String(error);
  const code = isOtherixError(error) ? error.code : 'file_write_failed';
  return new OtherixError(code, `the join token is spent: fix the cause (${cause}), ${wayOut}`, { cause: error });
}

/**
 * On the already-bootstrapped path: the three files must be a usable set (each parses, the key
 * is the certificate's, which ca.crt signed), ca.crt must be the pinned CA and agent.crt must name
 * --node-name. A damaged set is a broken state like a partial one (serve would refuse it), and a
 * set of another cluster or node means "nothing to do" would lie.
 */
async function assertSameIdentity(o: ResolvedBootstrapOptions): Promise<void> {
  const wayOut = `re-run with --force and a token bound to ${o.nodeName} (\`otherix node join-token create --node-name ${o.nodeName}\`)`;
  const read = async (name: string): Promise<string> => readFile(join(o.certDir, name), 'utf8');
  let check: ReturnType<typeof checkCertSet>;
  try {
    check = checkCertSet({ keyPem: await read(CERT_FILES.key), certPem: await read(CERT_FILES.cert), caPem: await read(CERT_FILES.ca) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OtherixError(
      'bootstrap_partial_state',
      `cannot read the cert files in ${o.certDir} (${code}): run bootstrap as a user that may read them, or ${wayOut}`,
      { cause: error, details: { cert_dir: o.certDir } },
    );
  }
  if (!check.ok) {
    throw new OtherixError(
      'bootstrap_partial_state',
      `broken cert state in ${o.certDir}: ${check.file} ${check.problem}, so serve cannot use the set: ${wayOut}`,
      { details: { cert_dir: o.certDir, broken: [check.file] } },
    );
  }
  // A set that parses may still hold a planted CA beside the cluster's: the agent trusts one CA only.
  const caPath = join(o.certDir, CERT_FILES.ca);
  readTrustBundle(await read(CERT_FILES.ca), caPath, { wayOut });
  const { caFingerprint, nodeNames: names } = check;
  const sameCa = fingerprintsEqual(caFingerprint, o.caFingerprint);
  const sameName = names.includes(o.nodeName);
  if (sameCa && sameName) return;
  const as = names.length > 0 ? names.join(', ') : 'no node identity';
  throw new OtherixError(
    sameCa ? 'identity_mismatch' : 'fingerprint_mismatch',
    `this host is already bootstrapped as ${as} under CA ${caFingerprint} (${o.certDir}), not as ${o.nodeName} under the pinned CA ${parseFingerprint(o.caFingerprint)}: to join it as ${o.nodeName}, ${wayOut}`,
    { details: { cert_dir: o.certDir, node_names: names, ca_fingerprint: caFingerprint } },
  );
}

// Operator-tuned config always survives: agent.yaml is written only when absent.
async function writeAgentConfigIfAbsent(o: ResolvedBootstrapOptions): Promise<boolean> {
  if (existsSync(o.configPath)) return false;
  const yaml = renderAgentConfig({
    node_name: o.nodeName,
    cp_url: formatCpUrls(parseCpUrls(o.cpUrl)),
    listen: o.listen,
    advertised_endpoint: o.advertisedEndpoint,
    heartbeat_interval_ms: o.heartbeatIntervalMs,
    request_timeout_ms: o.requestTimeoutMs,
    migration: { host: o.migrationHost, port_range_start: o.migrationPortRangeStart, port_range_end: o.migrationPortRangeEnd },
    tls: { cert_dir: o.certDir },
    generatedAt: new Date(),
  });
  await ensureFolder(dirname(o.configPath), 0o755);
  await writeFileAtomic(o.configPath, yaml, { mode: AGENT_CONFIG_FILE_MODE });
  return true;
}

function bundleHoldsPinnedCa(bundlePem: string, pinnedFingerprint: string): boolean {
  const blocks = bundlePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.some((block) => {
    try {
      return fingerprintsEqual(fingerprintOfPem(block), pinnedFingerprint);
    } catch {
      return false;
    }
  });
}
