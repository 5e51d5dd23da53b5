// joins_per_s and join_p99_ms: `identities` redeem one fleet token (max_uses 0, so the cap is
// never the limit) from 32 concurrent joiners, each over its own keep-alive TLS connection;
// the CSRs already exist.
import { RawHttpsConnection, tlsTarget } from './raw-https.mjs';

export const JOINERS = 32;

export function joinBody(token, identity) {
  return JSON.stringify({
    token,
    node_name: identity.name,
    csr_pem: identity.csrPem,
    // Loopback hosts never collide between nodes (SPEC §4).
    advertised_endpoint: 'https://127.0.0.1:9443',
    migration: { host: '127.0.0.1', port_range_start: 49152, port_range_end: 49251 },
    architecture: 'amd64',
    agent_version: '0.1.0-bench',
  });
}

/**
 * Joins every identity; resolves with the rate, the latency percentiles, and the node id and
 * certificate of each identity (for the heartbeat phase).
 */
export async function runJoins(cp, identities, token) {
  const joiners = Array.from({ length: JOINERS }, () => new RawHttpsConnection(tlsTarget(cp)));
  const bodies = identities.map((identity) => joinBody(token, identity));
  const latencies = new Float64Array(identities.length);
  const joined = new Array(identities.length);
  const failures = new Map();
  let next = 0;
  // Open the 32 connections (TLS handshakes) before the clock: the figure is about redemptions.
  // The CP keeps a connection alive only for a caller that proved a credential (an anonymous
  // /healthz is answered with Connection: close), so the warm-up shows the admin token.
  const warmUp = { headers: `authorization: Bearer ${cp.adminToken}\r\n` };
  await Promise.all(joiners.map((joiner) => joiner.request('GET', '/v1/whoami', warmUp)));

  const start = performance.now();
  const responses = new Array(identities.length);
  await Promise.all(
    joiners.map(async (joiner) => {
      while (next < identities.length) {
        const i = next++;
        const sent = performance.now();
        responses[i] = await joiner.request('POST', '/v1/nodes/join', { body: bodies[i] });
        latencies[i] = performance.now() - sent;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  // Bodies are read after the clock stops: the generator shares the cores with the CP.
  responses.forEach((response, i) => {
    const body = JSON.parse(response.body.toString());
    if (response.status === 201) joined[i] = { id: body.node.id, certPem: body.certificate_pem };
    else failures.set(body?.error?.code ?? response.status, (failures.get(body?.error?.code ?? response.status) ?? 0) + 1);
  });
  await Promise.all(joiners.map((joiner) => joiner.close()));
  if (failures.size > 0) throw new Error(`joins refused: ${JSON.stringify(Object.fromEntries(failures))}`);
  return { perSecond: identities.length / seconds, latencies: [...latencies], joined };
}
