// Renews the CP's own certificates while it runs (init/cp-certificates.ts decides when): a
// check every RENEWAL_CHECK_INTERVAL_MS, and the running TLS server switches to a new serving
// certificate at once (setSecureContext: new handshakes get it, open connections keep theirs).
// app.cpCertificates.check() runs one check now (tests move the clock, then call it).
import type { Renewal } from '../init/cp-certificates.js';
import { sharedPlugin } from './shared-plugin.js';
import type { KeyPairPem } from '../services/ca.js';

export const RENEWAL_CHECK_INTERVAL_MS = 60 * 60 * 1000;

export interface CertificateRenewer {
  renewIfDue(): Promise<Renewal>;
}

export interface CertificateRenewalOptions extends Record<string, unknown> {
  renewer: CertificateRenewer | undefined;
  /** The TLS context for a serving pair (the same options the server started with). */
  secureContext: (serving: KeyPairPem) => Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyInstance {
    cpCertificates: { check(): Promise<Renewal | undefined> };
  }
}

export default sharedPlugin<CertificateRenewalOptions>('otherix-certificate-renewal', async (app, options) => {
  const { renewer } = options;
  let running: Promise<Renewal | undefined> | undefined;
  const runCheck = async (): Promise<Renewal | undefined> => {
    if (renewer === undefined) return undefined;
    try {
      const renewal = await renewer.renewIfDue();
      const serving = renewal.renewed.server;
      if (serving !== undefined)
        (app.server as unknown as { setSecureContext(options: unknown): void }).setSecureContext(options.secureContext(serving));
      for (const reason of renewal.reasons) app.log.info({ event: 'cp_certificate_renewed' }, reason);
      for (const warning of renewal.warnings) app.log.warn({ event: 'cp_certificate_renewed' }, warning);
      return renewal;
    } catch (error) {
      if (app.resourceAlarm.failed(error, 'renewing the CP certificates') === undefined) {
        app.log.error({ err: error }, 'renewing the CP certificates failed: the current ones stay in use; the next check tries again');
      }
      return undefined;
    }
  };
  // One check at a time: the timer and a caller never write the same files together.
  const check = (): Promise<Renewal | undefined> => {
    running ??= runCheck().finally(() => (running = undefined));
    return running;
  };
  app.decorate('cpCertificates', { check });
  if (renewer === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => void check(), RENEWAL_CHECK_INTERVAL_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
});
