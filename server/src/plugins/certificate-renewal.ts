// Renews the CP's own certificates while it runs (init/cp-certificates.ts decides when): a
// check every RENEWAL_CHECK_INTERVAL_MS, and the running TLS server switches to a new serving
// certificate at once (setSecureContext: new handshakes get it, open connections keep theirs).
// app.cpCertificates.check() runs one check now (tests move the clock, then call it); renew() is
// the same check for a caller that handles a failure itself (a CA rotation's move: ca-rotation.ts).
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
    cpCertificates: {
      /** One check; a failure is logged here and answers undefined. */
      check(): Promise<Renewal | undefined>;
      /** One check; a failure rejects (nothing logged here). */
      renew(): Promise<Renewal | undefined>;
    };
  }
}

export default sharedPlugin<CertificateRenewalOptions>('otherix-certificate-renewal', async (app, options) => {
  const { renewer } = options;
  let queue: Promise<unknown> = Promise.resolve();
  const runCheck = async (): Promise<Renewal | undefined> => {
    if (renewer === undefined) return undefined;
    const renewal = await renewer.renewIfDue();
    const serving = renewal.renewed.server;
    if (serving !== undefined)
      (app.server as unknown as { setSecureContext(options: unknown): void }).setSecureContext(options.secureContext(serving));
    for (const reason of renewal.reasons) app.log.info({ event: 'cp_certificate_renewed' }, reason);
    for (const warning of renewal.warnings) app.log.warn({ event: 'cp_certificate_renewed' }, warning);
    return renewal;
  };
  // One check at a time, each after the one before: the timer and a caller never write the same
  // files together, and a caller that just moved the issuers (useIssuers) gets a check of its own.
  const renew = (): Promise<Renewal | undefined> => {
    const run = queue.then(runCheck);
    queue = run.catch(() => undefined);
    return run;
  };
  const check = (): Promise<Renewal | undefined> =>
    renew().catch((error: unknown) => {
      if (app.resourceAlarm.failed(error, 'renewing the CP certificates') === undefined) {
        app.log.error({ err: error }, 'renewing the CP certificates failed: the current ones stay in use; the next check tries again');
      }
      return undefined;
    });
  app.decorate('cpCertificates', { check, renew });
  if (renewer === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => void check(), RENEWAL_CHECK_INTERVAL_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
});
