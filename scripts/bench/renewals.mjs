// renewals_per_s, renewal_p99_ms and the CP's CPU per renewal (SPEC §8): every joined identity
// renews once, POST /v1/nodes/renew with a CSR for a new key (keys and CSRs made before the clock),
// over its own mTLS connection presenting its current certificate, opened before the clock (as the
// joins' connections are: the figure is about renewals, not handshakes). 32 renewers at a time,
// like the joiners.
import { healthz, warmUp } from './heartbeats.mjs';
import { RawHttpsConnection, tlsTarget } from './raw-https.mjs';

export const RENEWERS = 32;

/** One keep-alive mTLS connection per identity, each opened (a /healthz) before the clock. */
export async function openRenewalConnections(cp, identities, joined) {
  const clients = identities.map((identity, i) => new RawHttpsConnection(tlsTarget(cp, { cert: joined[i].certPem, key: identity.keyPem })));
  await warmUp(clients, (client) => healthz(client), RENEWERS);
  return clients;
}

/** Renews every identity with `fresh[i]`'s CSR; resolves with the rate, latencies and each new leaf. */
export async function runRenewals(clients, fresh) {
  const bodies = fresh.map((identity) => JSON.stringify({ csr_pem: identity.csrPem }));
  const latencies = new Float64Array(clients.length);
  const responses = new Array(clients.length);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: RENEWERS }, async () => {
      while (next < clients.length) {
        const i = next++;
        const sent = performance.now();
        responses[i] = await clients[i].request('POST', '/v1/nodes/renew', { body: bodies[i] });
        latencies[i] = performance.now() - sent;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  // Bodies are read after the clock stops: the generator shares the cores with the CP.
  const failures = new Map();
  const renewed = responses.map((response) => {
    const body = JSON.parse(response.body.toString());
    if (response.status === 201) return { certPem: body.certificate_pem, serial: body.node.certificate.serial };
    failures.set(body?.error?.code ?? response.status, (failures.get(body?.error?.code ?? response.status) ?? 0) + 1);
    return undefined;
  });
  await Promise.all(clients.map((client) => client.close()));
  if (failures.size > 0) throw new Error(`renewals refused: ${JSON.stringify(Object.fromEntries(failures))}`);
  return { perSecond: clients.length / seconds, latencies: [...latencies], renewed };
}
