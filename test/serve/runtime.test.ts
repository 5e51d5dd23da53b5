// The serve runtime's own rules, checked directly: heartbeat cadence (±10% jitter, retries within
// one interval or after the CP's Retry-After), the host inventory, log redaction and
// once-per-change logging.
import test from 'ava';
import { cpus, hostname, release, totalmem } from 'node:os';
import { OtherixApiError, OtherixError } from '@otherix/sdk';
import { delayAfterFailure, jittered, MAX_RETRY_AFTER_MS, retryDelay } from '@otherix/agent/dist/runtime/heartbeat.js';
import { readInventory, reportable } from '@otherix/agent/dist/runtime/inventory.js';
import { createLogger } from '@otherix/agent/dist/runtime/logger.js';
import { RepeatFilter, isCountMilestone } from '@otherix/agent/dist/runtime/repeat-filter.js';
import { parseListenAddress } from '@otherix/agent/dist/runtime/listen-address.js';
import { NoHypervisorDriver } from '@otherix/agent/dist/runtime/hypervisor.js';

test('heartbeat interval jitter stays within ±10%', (t) => {
  t.is(
    jittered(30_000, () => 0),
    27_000,
  );
  t.is(
    jittered(30_000, () => 0.5),
    30_000,
  );
  t.is(
    jittered(30_000, () => 0.999999),
    33_000,
  );
});

// Issue 13, item 9. Was: an exponential backoff up to four intervals, past the CP's not_ready
// threshold of three, so a node stayed not_ready for minutes after the CP came back.
test('a failed beat is retried within one interval, never later, jittered only downward', (t) => {
  for (const random of [0, 0.5, 0.999999]) {
    const delay = retryDelay(30_000, () => random);
    t.true(delay <= 30_000 && delay >= 27_000, String(delay));
  }
  const unreachable = new OtherixError('unreachable', 'down');
  for (let i = 0; i < 20; i++) t.true(delayAfterFailure(200, unreachable, Math.random).delayMs <= 200);
  t.is(delayAfterFailure(30_000, unreachable, () => 0).delayMs, 30_000);
});

test("a 429 or 503 with Retry-After is waited out (up to a cap); another status's Retry-After is not", (t) => {
  const asked = (status: number, retryAfterMs: number) =>
    new OtherixApiError({ status, code: status === 429 ? 'rate_limited' : 'internal', message: 'wait', retryAfterMs });
  t.deepEqual(
    delayAfterFailure(200, asked(429, 5000), () => 0),
    { delayMs: 5000, retryAfterMs: 5000 },
  );
  t.deepEqual(
    delayAfterFailure(200, asked(503, 1000), () => 0.5),
    { delayMs: 1010, retryAfterMs: 1000 },
  );
  // A Retry-After shorter than the interval does not make the retry sooner than the interval's.
  t.is(delayAfterFailure(30_000, asked(429, 1000), () => 0).delayMs, 30_000);
  t.deepEqual(
    delayAfterFailure(200, asked(429, 24 * 3600_000), () => 0),
    { delayMs: MAX_RETRY_AFTER_MS, retryAfterMs: MAX_RETRY_AFTER_MS },
  );
  t.deepEqual(
    delayAfterFailure(200, asked(500, 5000), () => 0),
    { delayMs: 200 },
  );
});

test('the inventory is the real host: CPU, memory, host name, kernel, /dev/kvm', (t) => {
  const inventory = readInventory();
  t.is(inventory.cpu_count, cpus().length);
  t.true(inventory.cpu_count > 0);
  t.true(inventory.cpu_model.length > 0);
  t.is(inventory.memory_bytes, totalmem());
  t.is(inventory.hostname, hostname());
  t.is(inventory.kernel, release());
  t.false(readInventory({ kvmDevice: '/nonexistent/kvm' }).kvm_present);
  t.true(readInventory({ kvmDevice: '/dev/null' }).kvm_present);
});

test('a host string with control characters is reported with U+FFFD in their place, so the CP never refuses the heartbeat', (t) => {
  t.is(reportable('CPU \u001b]0;x\u0007 \u009b1m\u007f', 256), 'CPU \ufffd]0;x\ufffd \ufffd1m\ufffd');
  t.is(reportable('plain \u00e9', 3), 'pla', 'then cut to the bound');
});

test('without a hypervisor driver the agent reports no VMs and no migrations', async (t) => {
  const driver = new NoHypervisorDriver();
  t.is(await driver.vmCount(), 0);
  t.is(await driver.activeMigrations(), 0);
});

test('log lines are JSON with time, level and msg; secrets are redacted; the level filters', (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', write: (line) => lines.push(line) });
  logger.debug('hidden');
  logger.info('joined', { node_name: 'n1', token: 'otx_join_secret', key_pem: '-----BEGIN PRIVATE KEY-----' });
  logger.setLevel('debug');
  logger.debug('shown', { error: Object.assign(new Error('boom'), { code: 'tls_failed' }) });
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  t.is(records.length, 2);
  t.like(records[0], { level: 'info', msg: 'joined', node_name: 'n1', token: '[redacted]', key_pem: '[redacted]' });
  t.false(Number.isNaN(Date.parse(String(records[0]?.['time']))));
  t.deepEqual(records[1]?.['error'], { code: 'tls_failed', message: 'boom' });
  t.false(lines.join('').includes('otx_join_secret'));
});

test('a repeated reason is reported once, then at counts 2, 4, 8, ...; a new reason is reported again', (t) => {
  const filter = new RepeatFilter();
  t.deepEqual(filter.record('a'), { first: true, count: 1 });
  t.deepEqual(filter.record('a'), { first: false, count: 2 });
  t.deepEqual(filter.record('b'), { first: true, count: 1 });
  t.is(filter.reset(), 1);
  t.deepEqual(filter.record('b'), { first: true, count: 1 });
  t.deepEqual([1, 2, 3, 4, 6, 8, 16].map(isCountMilestone), [false, true, false, true, false, true, true]);
});

test('listen addresses: IPv4, bracketed IPv6, and a clear error otherwise', (t) => {
  t.deepEqual(parseListenAddress('0.0.0.0:9443'), { host: '0.0.0.0', port: 9443 });
  t.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
  t.throws(() => parseListenAddress('9443'), { code: 'config_invalid', message: /must be HOST:PORT/ });
  t.throws(() => parseListenAddress('host:70000'), { code: 'config_invalid', message: /must be HOST:PORT/ });
});
