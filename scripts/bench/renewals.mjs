// renewals_per_s, renewal_p50/p99_ms and the CP's CPU per renewal (SPEC §8): every joined identity
// renews once, POST /v1/nodes/renew with a CSR for a new key (keys and CSRs made before any
// clock), over its own keep-alive mTLS connection presenting its current certificate, 32 renewers
// at a time, like the joiners. Connections are opened off the clock (the figure is about renewals,
// as the joins' is about redemptions, not handshakes), a round of ROUND identities at a time: the
// CP closes a connection idle for 65 s, and 2,000 connections opened up front could sit that long
// on a busy machine before their turn, so their renewals would pay for new handshakes. The clock
// and the CPU meters run only while renewals are in flight; the rounds' windows are added up.
import { heartbeatSender, warmUp } from './heartbeats.mjs';
import { RawHttpsConnection, tlsTarget } from './raw-https.mjs';

export const RENEWERS = 32;
const ROUND = 250;

/**
 * Renews identity i with fresh[i]'s CSR. `meter()` starts a CPU meter whose stop() returns
 * {mainMs, otherMs, wallMs, generatorUs}; resolves with the rate, latencies, the summed CPU, the
 * new leaves and how many connections had to be opened again while the clock ran (0 = none).
 */
export async function runRenewals(cp, identities, joined, fresh, meter) {
  const latencies = new Float64Array(identities.length);
  const responses = new Array(identities.length);
  const cpu = { mainMs: 0, otherMs: 0, wallMs: 0, generatorUs: 0 };
  let seconds = 0;
  let reopened = 0;
  const warmer = heartbeatSender(ROUND);
  for (let first = 0; first < identities.length; first += ROUND) {
    const indexes = Array.from({ length: Math.min(ROUND, identities.length - first) }, (_, k) => first + k);
    const clients = indexes.map((i) => new RawHttpsConnection(tlsTarget(cp, { cert: joined[i].certPem, key: identities[i].keyPem })));
    // Warmed with a heartbeat: the CP keeps a connection alive only once it has accepted a
    // credential on it (server/src/plugins/keep-alive-policy.ts); after a bare GET /healthz it
    // answers `Connection: close`, and every renewal would pay for a new handshake on the clock.
    await warmUp(clients, (client, k) => warmer.send(client, k), RENEWERS);
    const bodies = indexes.map((i) => JSON.stringify({ csr_pem: fresh[i].csrPem }));
    const opened = RawHttpsConnection.connectionsOpened;
    let next = 0;
    const window = meter();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: RENEWERS }, async () => {
        while (next < clients.length) {
          const k = next++;
          const sent = performance.now();
          responses[indexes[k]] = await clients[k].request('POST', '/v1/nodes/renew', { body: bodies[k] });
          latencies[indexes[k]] = performance.now() - sent;
        }
      }),
    );
    seconds += (performance.now() - start) / 1000;
    const used = window.stop();
    if (used !== undefined) for (const key of Object.keys(cpu)) cpu[key] += used[key];
    reopened += RawHttpsConnection.connectionsOpened - opened;
    await Promise.all(clients.map((client) => client.close()));
  }
  // Bodies are read after the clock stops: the generator shares the cores with the CP.
  const failures = new Map();
  const renewed = responses.map((response) => {
    const body = JSON.parse(response.body.toString());
    if (response.status === 201) return { certPem: body.certificate_pem, serial: body.node.certificate.serial };
    failures.set(body?.error?.code ?? response.status, (failures.get(body?.error?.code ?? response.status) ?? 0) + 1);
    return undefined;
  });
  if (failures.size > 0) throw new Error(`renewals refused: ${JSON.stringify(Object.fromEntries(failures))}`);
  return { perSecond: identities.length / seconds, latencies: [...latencies], cpu, renewed, reopened };
}
