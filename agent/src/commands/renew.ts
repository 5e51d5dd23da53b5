// `otherix-agent renew [--config PATH] [--force]`: one renewal of the node certificate, for
// operators (and for a host whose serve is stopped). agent.yaml (with OTHERIX_* overrides) says
// where the cert dir and the CP are; the SDK's renewNodeCertificate() does the work. Without
// --force it renews only once the certificate is past 2/3 of its lifetime (when serve would), and
// says so otherwise. A running serve picks the new files up without a restart.
import { resolve } from 'node:path';
import { loadAgentConfig, renewNodeCertificate } from '@otherix/sdk';
import { assertAgentFilePermissions, assertCertDirOwner, readNodeIdentityFiles } from '@otherix/sdk/internal';
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
  });
  process.stdout.write(
    `renewed ${outcome.nodeName}: serial ${outcome.previous.serial} -> ${outcome.renewed.serial}, valid until ${iso(outcome.renewed.notAfter)}; ` +
      `wrote agent.key and agent.crt to ${outcome.certDir} (a running serve switches to them without a restart)\n`,
  );
}
