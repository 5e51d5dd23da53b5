// `otherix-agent renew [--config PATH] [--force]`: one renewal of the node certificate, for
// operators (and for a host whose serve is stopped). agent.yaml (with OTHERIX_* overrides) says
// where the cert dir and the CP are; the SDK's renewNodeCertificate() does the work. Without
// --force it renews only once the certificate is past 2/3 of its lifetime (when serve would), and
// says so otherwise. A running serve picks the new files up without a restart.
import { join, resolve } from 'node:path';
import { OtherixError, isOtherixError, loadAgentConfig, renewNodeCertificate } from '@otherix/sdk';
import { assertAgentFilePermissions, assertCertDirOwner, readNodeIdentityFiles } from '@otherix/sdk/internal';
import { readTrustBundle } from '@otherix/sdk/pki';
import { missedRotationOf } from '../runtime/missed-rotation.js';
import { renewalPoint } from '../runtime/renewal-schedule.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export async function runRenew(options: { config: string; force: boolean }): Promise<void> {
  const configPath = resolve(options.config);
  const config = loadAgentConfig({ path: configPath, env: process.env, flags: {} });
  // A folder or file another user could swap is not written to (as serve would not trust it).
  assertAgentFilePermissions({ certDir: config.tls.cert_dir, configPath }, '; nothing was renewed');
  assertCertDirOwner(
    config.tls.cert_dir,
    `otherix-agent renew --config ${configPath}${options.force ? ' --force' : ''}`,
    '; nothing was renewed',
  );
  const identity = await readNodeIdentityFiles(config.tls.cert_dir);
  const { times } = identity;
  const dueAt = renewalPoint(times);
  if (!options.force && Date.now() < dueAt && Date.now() < times.notAfter) {
    process.stdout.write(
      `not renewing: the certificate of ${identity.nodeName} (serial ${times.serial}) was issued at ${iso(times.issuedAt)} and is valid until ${iso(times.notAfter)}; ` +
        `renewal is due from ${iso(dueAt)} (2/3 of its lifetime), and a running serve renews it by itself: run with --force to renew now\n`,
    );
    return;
  }
  const outcome = await renewNodeCertificate({
    certDir: config.tls.cert_dir,
    cpUrl: config.cp_url,
    requestTimeoutMs: config.request_timeout_ms,
  }).catch(async (error: unknown) => {
    // The CP's certificate is from a CA this node never learned: a node that missed a CA rotation.
    if (!isOtherixError(error, 'tls_failed')) throw error;
    const missed = await missedRotationOf({
      cpUrl: config.cp_url,
      certPem: identity.certPem,
      keyPem: identity.keyPem,
      trustedFingerprints: readTrustBundle(identity.caFileText, join(config.tls.cert_dir, 'ca.crt')).fingerprints,
      requestTimeoutMs: config.request_timeout_ms,
    });
    if (missed === undefined) throw error;
    throw new OtherixError(missed.code, `${missed.message}; nothing was renewed`, { cause: error, details: missed.details });
  });
  process.stdout.write(
    `renewed ${outcome.nodeName}: serial ${outcome.previous.serial} -> ${outcome.renewed.serial}, valid until ${iso(outcome.renewed.notAfter)}; ` +
      `wrote agent.key and agent.crt to ${outcome.certDir} (a running serve switches to them without a restart)\n`,
  );
}
