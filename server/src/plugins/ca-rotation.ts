// Follows the CA rotation while the CP runs (issue 19): on every change of the trust (a phase
// this CP moved, or one another replica moved, read again every `pollMs`), the CP's certificates
// move to the phase's CAs (a new serving or client certificate when needed) and the listener gets
// a new TLS context (setSecureContext: new handshakes get it, open connections keep theirs, so no
// heartbeat connection drops). A start in the middle of a rotation applies it before listening.
// When the certificates cannot move (a full disk), the phase stands and this CP lags: the service
// keeps why (the status's this_control_plane), and every poll tries again until it catches up.
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
  // The trust goes to the listener even when the certificates could not move (a full disk): the
  // phase's CAs are trusted at once, and the failure is thrown for the service to keep and retry.
  const apply = async (trust: CaTrust): Promise<void> => {
    options.certificates?.useIssuers({ server: trust.serving, client: trust.client });
    const failed = await app.cpCertificates.renew().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    const serving = options.certificates?.serving ?? options.serving;
    (app.server as unknown as { setSecureContext(o: unknown): void }).setSecureContext(options.secureContext(serving, trust.trustedPems));
    if (failed !== undefined) throw failed.error;
    app.log.info(
      { event: 'ca_rotation_applied', phase: trust.phase, trusted: trust.fingerprints, serving_ca: trust.serving.fingerprint },
      `CA rotation: phase ${trust.phase}; trusting ${trust.fingerprints.join(', ')}, serving from ${trust.serving.fingerprint}`,
    );
  };
  // Said once per episode: the first failure at warn, the catching up at info (not every poll).
  let lagging = false;
  rotation.onApplyOutcome((outcome) => {
    if (!outcome.ok && !lagging)
      app.log.warn({ event: 'ca_rotation_not_applied', phase: outcome.phase, code: outcome.failure.code }, outcome.failure.message);
    if (outcome.ok && lagging)
      app.log.info(
        { event: 'ca_rotation_caught_up', phase: outcome.phase },
        `CA rotation: this control plane caught up with phase ${outcome.phase}`,
      );
    lagging = !outcome.ok;
  });
  rotation.onChange(apply);
  if (rotation.trust.rotating || rotation.trust.serving !== app.ca) await rotation.applyAtStart();
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(
      () =>
        void rotation.follow().catch((error: unknown) => {
          app.log.warn({ err: error }, 'CA rotation: could not read its state; the current trust stays in use, the next poll tries again');
        }),
      options.pollMs,
    );
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
});
