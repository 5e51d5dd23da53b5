// The rules the renewal runs on, as functions (issue 16): a leaf's lifetime counts from signing
// (notBefore + the hour the CA backdates), the agent renews at 2/3 of it ± 5%, retries with a
// backoff that honours Retry-After and never goes past the end; durations may be given in days.
import test from 'ava';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { OtherixApiError } from '@otherix/sdk';
import { CERTIFICATE_BACKDATE_MS, certificateTimes } from '@otherix/sdk/pki';
import { formatDurationWithDays, parseDurationWithDays } from '@otherix/sdk/internal';
import { ClusterCa } from '@otherix/server';
import {
  RENEWAL_FRACTION,
  RENEWAL_JITTER,
  renewalDueAt,
  renewalPoint,
  renewalRetryDelay,
  retryBounds,
} from '@otherix/agent/dist/runtime/renewal-schedule.js';

const DAY = 86_400_000;
const spki = (): Buffer => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' });

test('a leaf\'s lifetime counts from its signing time, an hour after notBefore: a 1-minute leaf is not "61 minutes"', async (t) => {
  const signedAt = Date.UTC(2026, 5, 6, 12, 0, 0);
  const { ca } = await ClusterCa.create(signedAt);
  const issued = await ca.issueNodeCertificate({ nodeName: 'short', spkiDer: spki(), hosts: [], now: signedAt, lifetimeMs: 60_000 });
  const leaf = new X509Certificate(issued.certPem);
  t.is(Date.parse(leaf.validFrom), signedAt - CERTIFICATE_BACKDATE_MS);
  t.is(Date.parse(leaf.validTo), signedAt + 60_000);
  const times = certificateTimes(issued.certPem);
  t.like(times, { issuedAt: signedAt, notAfter: signedAt + 60_000, lifetimeMs: 60_000, serial: issued.serial });
  t.is(renewalPoint(times), signedAt + 40_000);
});

test('renewal is due at 2/3 of the lifetime ± 5% of it', (t) => {
  const times = { serial: 'a1', notBefore: -CERTIFICATE_BACKDATE_MS, issuedAt: 0, notAfter: 30 * DAY, lifetimeMs: 30 * DAY };
  t.is(RENEWAL_FRACTION, 2 / 3);
  t.is(RENEWAL_JITTER, 0.05);
  t.is(
    renewalDueAt(times, () => 0.5),
    20 * DAY,
  );
  t.is(
    renewalDueAt(times, () => 0),
    Math.round(30 * DAY * (2 / 3 - 0.05)),
  );
  t.is(
    renewalDueAt(times, () => 0.999999),
    Math.round(30 * DAY * (2 / 3 + 0.05 * (2 * 0.999999 - 1))),
  );
  for (let i = 0; i < 100; i++) {
    const due = renewalDueAt(times, Math.random);
    t.true(due >= 30 * DAY * 0.6166 && due <= 30 * DAY * 0.7167);
  }
});

test('retries back off from a hundredth of the lifetime, stop growing at a twentieth (1 h at most), honour Retry-After, and stop before the end', (t) => {
  const times = { serial: 'a1', notBefore: -CERTIFICATE_BACKDATE_MS, issuedAt: 0, notAfter: 30 * DAY, lifetimeMs: 30 * DAY };
  t.deepEqual(retryBounds(30 * DAY), { firstMs: 60_000, longestMs: 3_600_000 });
  t.deepEqual(retryBounds(60_000), { firstMs: 1000, longestMs: 3000 });
  const middle = () => 0.5; // no jitter
  const at = 21 * DAY;
  t.is(renewalRetryDelay(times, 1, new Error('down'), at, middle), 60_000);
  t.is(renewalRetryDelay(times, 2, new Error('down'), at, middle), 120_000);
  t.is(renewalRetryDelay(times, 20, new Error('down'), at, middle), 3_600_000);
  const short = { serial: 'b2', notBefore: -CERTIFICATE_BACKDATE_MS, issuedAt: 0, notAfter: 60_000, lifetimeMs: 60_000 };
  t.is(
    renewalRetryDelay(
      short,
      1,
      new OtherixApiError({ status: 429, code: 'rate_limited', message: 'later', retryAfterMs: 6_000 }),
      40_000,
      middle,
    ),
    6_050,
    'at least the Retry-After',
  );
  t.is(renewalRetryDelay(short, 5, new Error('down'), 58_000, middle), 1_800, 'the last try just before the end');
  t.is(renewalRetryDelay(short, 5, new Error('down'), 59_500, middle), undefined, 'no time left for another try');
});

test('durations with days: 30d, 1d12h, 365d; Go-style durations as before', (t) => {
  t.is(parseDurationWithDays('30d'), 30 * DAY);
  t.is(parseDurationWithDays('1d12h'), 36 * 3_600_000);
  t.is(parseDurationWithDays('365d'), 365 * DAY);
  t.is(parseDurationWithDays('1.5d'), 36 * 3_600_000);
  t.is(parseDurationWithDays('90s'), 90_000);
  t.is(parseDurationWithDays('10m'), 600_000);
  for (const bad of ['', 'd', '7', '-1d', '1d-1h', '1dd', 'soon'])
    t.throws(() => parseDurationWithDays(bad), { code: 'invalid_duration' }, bad);
  t.is(formatDurationWithDays(30 * DAY), '30d');
  t.is(formatDurationWithDays(36 * 3_600_000), '1d12h0m0s');
  t.is(formatDurationWithDays(60_000), '1m0s');
});

test('after the days only Go-style parts with their units: 7d0, 30d5, 1d+2h and 1d 12h are refused, not read as 7d, 30d, 1d2h or 1d12h', (t) => {
  // A bare number after the days is a typo (Go refuses `5` too); a second sign or a space is not a part.
  for (const bad of ['7d0', '30d5', '1d+2h', '1d 12h', '1d+0'])
    t.throws(() => parseDurationWithDays(bad), { code: 'invalid_duration' }, bad);
  t.is(parseDurationWithDays('1d12h30m'), DAY + 12.5 * 3_600_000);
  t.is(parseDurationWithDays('7d '), 7 * DAY, 'trailing space, as Go-style durations allow');
});
