// The CLI follows a CA rotation (issue 19) over the connection it already trusts: after a command,
// it reads `/v1/ca`'s trust bundle and, when the CAs differ from the saved ones, saves the bundle
// to its config file (atomically, 0600), provided a CA it trusts now anchors it (readTrustBundle:
// the pin covers every certificate saved). So a CLI that logged in before a rotation, and ran any
// command while it went on, works after it without a new login; once complete, the config's
// ca_fingerprint is the new CA's.
import { fingerprintsEqual } from '../pki/fingerprint.js';
import { readTrustBundle, sameTrust } from '../pki/trust-bundle.js';
import type { OtherixClient } from '../client/create-client.js';
import type { CliSettings } from './cli-config.js';
import { saveCliConfig } from './cli-config.js';

/** Saves the cluster's new trust bundle when it changed; true when the config file was written. */
export async function refreshCliTrust(client: OtherixClient, settings: CliSettings): Promise<boolean> {
  const { sources } = settings;
  // Only settings that all came from the file are written back to it.
  if (sources.cpUrl !== 'file' || sources.caFingerprint !== 'file' || sources.token !== 'file') return false;
  if (settings.caPem === undefined || settings.cpUrl === undefined || settings.token === undefined || settings.caFingerprint === undefined)
    return false;
  const saved = readTrustBundle(settings.caPem, 'the saved CA', { anchor: settings.caFingerprint });
  const answer = await client.ca.get();
  const offered = answer.trust_bundle_pem;
  if (offered === undefined) return false;
  for (const anchor of saved.fingerprints) {
    let next;
    try {
      next = readTrustBundle(offered, 'the trust bundle of /v1/ca', { anchor });
    } catch {
      continue;
    }
    if (sameTrust(next.fingerprints, saved.fingerprints) && next.bundlePem === saved.bundlePem) return false;
    // The pin stays the CA it was while that CA is trusted; once it is not, the new anchor's.
    const keep = next.fingerprints.some((fp) => fingerprintsEqual(fp, settings.caFingerprint!));
    const anchorFingerprint = keep ? settings.caFingerprint : next.anchor.fingerprint;
    const bundle = keep ? readTrustBundle(offered, 'the trust bundle of /v1/ca', { anchor: anchorFingerprint }) : next;
    await saveCliConfig(settings.configPath, {
      cp_url: settings.cpUrl,
      ca_fingerprint: anchorFingerprint,
      token: settings.token,
      ca_pem: bundle.bundlePem,
    });
    return true;
  }
  return false;
}
