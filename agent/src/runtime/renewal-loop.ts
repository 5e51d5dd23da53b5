// The agent renews its own certificate while it serves (State B, issue 16). It reads the
// certificate in the cert dir, logs when the next renewal is due (renewal-schedule.ts: 2/3 of the
// lifetime ± 5%), and at that time runs the SDK's renewNodeCertificate(): a new key, a CSR, POST
// /v1/nodes/renew over mTLS with the current certificate, and the new key and leaf written as one
// new generation of the cert dir. Then the agent's HTTPS server switches to the new material
// (onRenewed) and the heartbeats do too (they re-read the cert dir before every beat), without a
// restart; connections already open finish with the old one. A failure is logged with what happens
// next and retried with backoff until the certificate ends. An expired certificate cannot renew
// (a renewal is authenticated by it): the expiry watch says so with the re-bootstrap commands, and
// the loop waits for new material (bootstrap --force), which the heartbeats notice (reschedule()).
// A cert dir that cannot be read when the loop looks is looked at again a first retry later.
import { isOtherixError, renewNodeCertificate } from '@otherix/sdk';
import { readNodeIdentityFiles } from '@otherix/sdk/internal';
import type { RenewalOutcome } from '@otherix/sdk';
import type { CertificateTimes } from '@otherix/sdk/pki';
import type { AgentMetrics } from './agent-metrics.js';
import type { CertExpiryWatch } from './cert-expiry.js';
import type { Logger } from './logger.js';
import { renewalDueAt, renewalRetryDelay, retryBounds } from './renewal-schedule.js';

export interface RenewalLoopOptions {
  cpUrl: string;
  certDir: string;
  requestTimeoutMs: number;
  logger: Logger;
  expiry: CertExpiryWatch;
  /** Told each attempt's outcome (serve's metrics, when on). */
  metrics?: AgentMetrics;
  /** Told once the new material is on disk, so the agent's server serves it. */
  onRenewed?: (outcome: RenewalOutcome) => void;
  /** Default Math.random; in [0, 1). */
  random?: () => number;
  /** The host's clock; default Date.now. */
  now?: () => number;
}

export interface RenewalLoop {
  /** The material on disk changed (bootstrap --force, or a renewal seen by the heartbeats): plan again. */
  reschedule(): void;
  /** Runs `work` while no renewal writes the cert dir (a heartbeat answer's new ca.crt). */
  exclusive(work: () => Promise<void>): Promise<void>;
  /** The CP asked for a renewal now (a CA rotation: heartbeat's renew_now): once per certificate. */
  renewNow(serial: string): void;
  /** Stops planning; waits for a renewal in flight to finish writing. */
  stop(): Promise<void>;
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** A timer may fire a millisecond or so before its time. */
const TIMER_SLACK_MS = 50;
/** Until a certificate was read: the CP's default lifetime (how soon to look again uses it). */
const DEFAULT_LIFETIME_MS = 30 * 86_400_000;
/** How long stop() waits for a renewal in flight (a write is crash-safe if it is cut). */
const STOP_GRACE_MS = 1_000;

export function startRenewalLoop(options: RenewalLoopOptions): RenewalLoop {
  const { logger } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let replanAfterAttempt = false;
  /** The certificate the timer is set for, and when it fires; a reschedule for the same one keeps it (and its jitter). */
  let planned: { serial: string; at: number } | undefined;
  let failures = 0;
  /** The lifetime of the last certificate read, for how soon to look again when none can be read. */
  let lifetimeMs = DEFAULT_LIFETIME_MS;

  const setTimer = (serial: string, at: number): void => {
    if (timer !== undefined) clearTimeout(timer);
    planned = { serial, at };
    // setTimeout holds at most ~24.8 days: a longer wait is re-planned when it fires.
    timer = setTimeout(fire, Math.min(Math.max(0, at - now()), 2 ** 31 - 1));
  };

  /** The certificate in the cert dir; an expired one is also told to the expiry watch (which gives the commands). */
  async function current(): Promise<CertificateTimes | undefined> {
    try {
      const identity = await readNodeIdentityFiles(options.certDir);
      if (now() >= identity.times.notAfter) options.expiry.check(identity.certPem);
      lifetimeMs = identity.times.lifetimeMs;
      return identity.times;
    } catch (error) {
      // The heartbeats report unusable material every beat; the loop looks again by itself.
      logger.debug('renewal: no usable certificate in the cert dir; looking again shortly', {
        code: isOtherixError(error) ? error.code : undefined,
      });
      return undefined;
    }
  }

  /**
   * No usable certificate in the cert dir right now (files moved away for a moment, a descriptor
   * shortage). Look again after a first retry's delay: the heartbeats tell this loop only about
   * material that CHANGED, so files that come back as they were would otherwise never be renewed.
   */
  function lookAgainLater(): void {
    if (stopped) return;
    const at = now() + retryBounds(lifetimeMs).firstMs;
    if (planned !== undefined) {
      setTimer(planned.serial, at);
      return;
    }
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) void plan();
    }, at - now());
  }

  async function plan(): Promise<void> {
    const times = await current();
    if (stopped) return;
    if (times === undefined) {
      // A timer already set (the due time, or a look again) reads the cert dir again by itself.
      if (timer === undefined) lookAgainLater();
      return;
    }
    if (now() >= times.notAfter) {
      planned = undefined;
      logger.info(
        `renewal: stopped: the node certificate (serial ${times.serial}) expired at ${iso(times.notAfter)} and cannot be renewed; waiting for new material from \`otherix-agent bootstrap --force\``,
        { serial: times.serial, not_after: iso(times.notAfter) },
      );
      return;
    }
    // Already planned for this certificate (its due time, or a retry's backoff): keep it.
    if (planned?.serial === times.serial) return;
    failures = 0;
    const dueAt = Math.max(renewalDueAt(times, random), now());
    scheduleNext(times, dueAt);
  }

  /** Says when the next renewal of `times`' certificate is due, and sets its timer. */
  function scheduleNext(times: CertificateTimes, dueAt: number): void {
    logger.info(`renewal: next renewal due at ${iso(dueAt)}`, {
      serial: times.serial,
      due_at: iso(dueAt),
      not_after: iso(times.notAfter),
      lifetime_ms: times.lifetimeMs,
    });
    setTimer(times.serial, dueAt);
  }

  /** Another writer of the cert dir (ca.crt from a heartbeat answer) waiting for, then blocking, renewals. */
  let writer: Promise<void> = Promise.resolve();

  function fire(): void {
    timer = undefined;
    if (stopped) return;
    inFlight = writer.then(attempt).finally(() => {
      inFlight = undefined;
      if (replanAfterAttempt) {
        replanAfterAttempt = false;
        void plan();
      }
    });
  }

  async function attempt(): Promise<void> {
    const times = await current();
    if (times === undefined) return lookAgainLater();
    // Woken early (a setTimeout cap) or for a certificate replaced meanwhile: plan for what is there.
    if (planned === undefined || planned.serial !== times.serial || now() < planned.at - TIMER_SLACK_MS) {
      planned = undefined;
      return plan();
    }
    if (now() >= times.notAfter) return plan();
    try {
      const outcome = await renewNodeCertificate({
        certDir: options.certDir,
        cpUrl: options.cpUrl,
        requestTimeoutMs: options.requestTimeoutMs,
        now,
      });
      failures = 0;
      planned = undefined;
      options.metrics?.renewal('ok');
      logger.info(
        `renewal: renewed the node certificate: serial ${outcome.previous.serial} -> ${outcome.renewed.serial}, valid until ${iso(outcome.renewed.notAfter)}`,
        {
          previous_serial: outcome.previous.serial,
          serial: outcome.renewed.serial,
          not_after: iso(outcome.renewed.notAfter),
        },
      );
      options.onRenewed?.(outcome);
      await planAfterRenewal(outcome.renewed);
    } catch (error) {
      failures += 1;
      const at = now();
      const code = isOtherixError(error) ? error.code : 'internal';
      const message = error instanceof Error ? error.message : String(error);
      const details = isOtherixError(error) ? error.details : undefined;
      options.metrics?.renewal(code);
      const delay = renewalRetryDelay(times, failures, error, at, random);
      if (delay === undefined || code === 'certificate_expired') {
        logger.warn(`renewal failed: ${message}; no more tries: the certificate (serial ${times.serial}) ends at ${iso(times.notAfter)}`, {
          code,
          details,
          serial: times.serial,
        });
        planned = undefined;
        await current(); // the expiry watch says what to do
        return;
      }
      const next = at + delay;
      logger.warn(
        `renewal failed: ${message}; retrying in ${Math.round(delay / 100) / 10} s (attempt ${failures + 1}), the current certificate (serial ${times.serial}) works until ${iso(times.notAfter)}`,
        {
          code,
          details,
          failures,
          retry_in_ms: delay,
          serial: times.serial,
          not_after: iso(times.notAfter),
        },
      );
      setTimer(times.serial, next);
    }
  }

  /**
   * A new certificate already past its renewal point by this host's clock (a CP whose clock is
   * far behind, or a lifetime shorter than the time it took): renewing again at once would loop,
   * so the next renewal waits at least a first-retry delay and the clocks are named.
   */
  async function planAfterRenewal(renewed: CertificateTimes): Promise<void> {
    const dueAt = renewalDueAt(renewed, random);
    const floor = now() + retryBounds(renewed.lifetimeMs).firstMs;
    if (dueAt < floor) {
      logger.warn(
        "renewal: the new certificate is already due for renewal by this host's clock: check the clocks of this host and the control plane",
        { serial: renewed.serial, not_after: iso(renewed.notAfter) },
      );
    }
    const at = Math.max(dueAt, floor);
    scheduleNext(renewed, at);
  }

  void plan();

  /** The certificate a renewal now was asked for already (renew_now repeats until the new one is used). */
  let askedFor: string | undefined;

  return {
    exclusive(work) {
      const run = (inFlight ?? Promise.resolve()).then(work);
      writer = run.catch(() => undefined);
      return run;
    },
    renewNow(serial) {
      // Only for the certificate the loop plans for: a beat that went out with the one just renewed asks too.
      if (stopped || inFlight !== undefined || planned?.serial !== serial || askedFor === serial) return;
      askedFor = planned.serial;
      logger.info('renewal: the control plane asks for a renewal now (CA rotation)', { serial: planned.serial });
      setTimer(planned.serial, now());
    },
    reschedule() {
      if (stopped) return;
      if (inFlight !== undefined) replanAfterAttempt = true;
      else void plan();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      if (inFlight !== undefined) await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
    },
  };
}
