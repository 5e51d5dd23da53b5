// heartbeats_per_s, heartbeat_p99_ms, heartbeats_lost and tls_route_ceiling_per_s.
// Every joined identity gets its own keep-alive mTLS connection presenting that node's own
// certificate (raw-https.mjs: a lean client, so the generator leaves the CPU to the CP). A few
// concurrent loops drive them; each loop owns a fixed share of the identities and walks it in
// turn, so one identity never has two heartbeats in flight and its vm_count can carry a
// sequence number: the CP has recorded the last acknowledged heartbeat of a node exactly when
// the node's vm_count equals that sequence number.
import { BENCH_HARDWARE } from './fixtures.mjs';
import { RawHttpsConnection, tlsTarget } from './raw-https.mjs';

export const LOOPS = 64;

export function openNodeConnections(cp, identities, joined) {
  return identities.map((identity, i) => new RawHttpsConnection(tlsTarget(cp, { cert: joined[i].certPem, key: identity.keyPem })));
}

function heartbeatBody(seq) {
  return JSON.stringify({
    architecture: 'amd64',
    agent_version: '0.1.0-bench',
    heartbeat_interval_seconds: 30,
    hardware: BENCH_HARDWARE,
    vm_count: seq,
    active_migrations: 0,
  });
}

// The CP closes a keep-alive connection after 65 s idle (server/src/listener.ts): while 2,000
// handshakes are under way on a busy machine, the first connections could go idle that long.
const KEEP_WARM_AFTER_MS = 30_000;

/**
 * Sends one request per identity (opens every connection: TLS handshakes stay off the clock),
 * while a keeper touches (GET /healthz) connections opened earlier that have gone quiet.
 */
export async function warmUp(clients, request, loops = LOOPS) {
  let next = 0;
  const failures = [];
  const lastUsed = new Float64Array(clients.length);
  let done = false;
  const keeper = (async () => {
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const quiet = performance.now() - KEEP_WARM_AFTER_MS;
      for (let i = 0; i < next && !done; i++) {
        if (lastUsed[i] !== 0 && lastUsed[i] < quiet) {
          lastUsed[i] = performance.now();
          await healthz(clients[i]);
        }
      }
    }
  })();
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (next < clients.length) {
        const i = next++;
        const outcome = await request(clients[i], i);
        lastUsed[i] = performance.now();
        if (!outcome.ok) failures.push(outcome.status);
      }
    }),
  );
  done = true;
  await keeper;
  if (failures.length > 0) throw new Error(`warm-up refused ${failures.length} requests (e.g. ${failures[0]})`);
}

/** Drives `request` from `loops` loops for `durationMs`; returns the rate, latencies and counts. */
export async function drive(clients, request, { durationMs, loops = LOOPS }) {
  const latencies = [];
  let sent = 0;
  let acknowledged = 0;
  const failures = new Map();
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      for (let i = loop; performance.now() < deadline; i = i + loops < clients.length ? i + loops : loop) {
        const began = performance.now();
        sent++;
        const outcome = await request(clients[i], i);
        latencies.push(performance.now() - began);
        if (outcome.ok) acknowledged++;
        else failures.set(outcome.status, (failures.get(outcome.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: acknowledged / seconds, latencies, sent, acknowledged, failures: Object.fromEntries(failures) };
}

/** A heartbeat request function that numbers each identity's heartbeats in vm_count. */
export function heartbeatSender(identityCount) {
  const lastAcked = new Int32Array(identityCount);
  const lastSent = new Int32Array(identityCount);
  async function send(client, i) {
    const seq = ++lastSent[i];
    try {
      const response = await client.request('POST', '/v1/nodes/heartbeat', { body: heartbeatBody(seq) });
      if (response.status === 200) {
        lastAcked[i] = seq;
        return { ok: true };
      }
      return { ok: false, status: `${response.status} ${safeCode(response.body.toString())}` };
    } catch (error) {
      return { ok: false, status: error.code ?? error.message };
    }
  }
  return { send, lastAcked };
}

export async function healthz(client) {
  try {
    const response = await client.request('GET', '/healthz');
    return response.status === 200 ? { ok: true } : { ok: false, status: String(response.status) };
  } catch (error) {
    return { ok: false, status: error.code ?? error.message };
  }
}

function safeCode(text) {
  try {
    return JSON.parse(text)?.error?.code ?? '';
  } catch {
    return '';
  }
}
