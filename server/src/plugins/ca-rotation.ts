// Follows the CA rotation while the CP runs (issue 19): on every change of the trust (a phase
// this CP moved, or one another replica moved, read again every `pollMs`), the CP's certificates
// move to the phase's CAs (a new serving or client certificate when needed) and the listener gets
// a new TLS context (setSecureContext: new handshakes get it, open connections keep theirs, so no
// heartbeat connection drops). A start in the middle of a rotation applies it before listening.
import type { CaTrust } from '../services/ca-trust.js';
import type { ClusterCa, KeyPairPem } from '../services/ca.js';
import { sharedPlugin } from './shared-plugin.js';

/** How often a replica reads the rotation's state again (a stored version compared; one row read). */
export const DEFAULT_ROTATION_POLL_MS = 2_000;

export interface RotatingCertificates {
  useIssuers(issuers: { server: ClusterCa; client: ClusterCa }): void;
  readonly serving: KeyPairPem;
}

export interface CaRotationPluginOptions extends Record<string, unknown> {
  certificates: RotatingCertificates | undefined;
  /** The serving pair when there is no renewer (an embedded CP): it cannot move to a new CA. */
  serving: KeyPairPem;
  secureContext: (serving: KeyPairPem, trustedPems: string[]) => Record<string, unknown>;
  pollMs: number;
}

export default sharedPlugin<CaRotationPluginOptions>('otherix-ca-rotation', async (app, options) => {
  const rotation = app.services.caRotation;
  const apply = async (trust: CaTrust): Promise<void> => {
    options.certificates?.useIssuers({ server: trust.serving, client: trust.client });
    await app.cpCertificates.check();
    const serving = options.certificates?.serving ?? options.serving;
    (app.server as unknown as { setSecureContext(o: unknown): void }).setSecureContext(options.secureContext(serving, trust.trustedPems));
    app.log.info(
      { event: 'ca_rotation_applied', phase: trust.phase, trusted: trust.fingerprints, serving_ca: trust.serving.fingerprint },
      `CA rotation: phase ${trust.phase}; trusting ${trust.fingerprints.join(', ')}, serving from ${trust.serving.fingerprint}`,
    );
  };
  rotation.onChange(apply);
  if (rotation.trust.rotating || rotation.trust.serving !== app.ca) await apply(rotation.trust);
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(
      () =>
        void rotation.refresh().catch((error: unknown) => {
          app.log.warn({ err: error }, 'CA rotation: could not read its state; the current trust stays in use, the next poll tries again');
        }),
      options.pollMs,
    );
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
});
