// The CLI follows a CA rotation (issue 19) over the connection it already trusts: after a command,
// it reads `/v1/ca`'s trust bundle and, when the CAs differ from the saved ones, saves the bundle
// to its config file (atomically, 0600), provided a CA it trusts now anchors it (readTrustBundle:
// the pin covers every certificate saved). So a CLI that logged in before a rotation, and ran any
// command while it went on, works after it without a new login; once complete, the config's
// ca_fingerprint is the new CA's.
import { fingerprintOfPem, fingerprintsEqual } from '../pki/fingerprint.js';
import { fetchCaAnswerUnverified } from '../pki/rotation-probe.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../client/transport.js';
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

/** What recoverCliTrust found: the CA the CP serves from, and whether it was saved (vouched for by the pin). */
export interface RecoveredTrust {
  served: string;
  saved: boolean;
}

/**
 * A command failed TLS with the saved CA: the CP may have moved to a CA this CLI has not learned
 * (it ran no command during the rotation's init..update_servers). An unverified look at /v1/ca
 * (fetchCaAnswerUnverified) is trusted only where the CA this CLI pinned vouches for the CA the CP
 * serves from: the rotation's bundle anchored at it, or, after completion, the retired CA's
 * cross-certificate of the new one (`endorsement_pem`). `saved: true` when the config file was
 * written (the caller runs the command again with it); `saved: false` when the CP serves a CA the
 * pin does not vouch for (rotated more than once since, or someone in the middle: the caller says
 * to log in again), nothing changed; undefined when there is nothing to say (no answer, or it
 * serves a CA this CLI trusts: TLS failed for another reason).
 */
export async function recoverCliTrust(
  settings: CliSettings,
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<RecoveredTrust | undefined> {
  const { sources } = settings;
  if (sources.cpUrl !== 'file' || sources.caFingerprint !== 'file' || sources.token !== 'file') return undefined;
  if (settings.caPem === undefined || settings.cpUrl === undefined || settings.token === undefined || settings.caFingerprint === undefined)
    return undefined;
  const saved = readTrustBundle(settings.caPem, 'the saved CA', { anchor: settings.caFingerprint });
  const answer = await fetchCaAnswerUnverified({ cpUrl: settings.cpUrl, requestTimeoutMs });
  if (answer === undefined) return undefined;
  let served: string;
  try {
    served = fingerprintOfPem(answer.ca_pem);
  } catch {
    return undefined;
  }
  if (saved.fingerprints.some((fp) => fingerprintsEqual(fp, served))) return undefined;
  const save = (fingerprint: string, pem: string) =>
    saveCliConfig(settings.configPath, { cp_url: settings.cpUrl!, ca_fingerprint: fingerprint, token: settings.token!, ca_pem: pem });
  // During a rotation: its bundle, anchored at the CA this CLI pinned.
  if (answer.trust_bundle_pem !== undefined) {
    try {
      const bundle = readTrustBundle(answer.trust_bundle_pem, 'the trust bundle of /v1/ca', { anchor: settings.caFingerprint });
      if (bundle.fingerprints.some((fp) => fingerprintsEqual(fp, served))) {
        await save(settings.caFingerprint, bundle.bundlePem);
        return { served, saved: true };
      }
    } catch {
      // Not anchored at the pinned CA: see the endorsement.
    }
  }
  // After completion: the retired CA (this CLI's pin) vouched for the new one.
  if (answer.endorsement_pem !== undefined) {
    try {
      const endorsed = readTrustBundle(
        `${saved.anchor.pem}${answer.ca_pem.trim()}\n${answer.endorsement_pem.trim()}\n`,
        'the CA of /v1/ca',
        {
          anchor: settings.caFingerprint,
        },
      );
      const ca = endorsed.trusted.find((c) => fingerprintsEqual(c.fingerprint, served));
      if (ca !== undefined) {
        await save(ca.fingerprint, ca.pem);
        return { served, saved: true };
      }
    } catch {
      // Not vouched for: nothing is trusted, nothing saved.
    }
  }
  return { served, saved: false };
}
