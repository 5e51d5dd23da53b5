// joins_per_s and join_p99_ms: `identities` redeem one fleet token (max_uses 0, so the cap is
// never the limit) from 32 concurrent joiners over keep-alive TLS; the CSRs already exist.
import { Pool } from 'undici';

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
  const pool = new Pool(cp.url, { connections: JOINERS, pipelining: 1, connect: { ca: cp.caPem } });
  const bodies = identities.map((identity) => joinBody(token, identity));
  const latencies = new Float64Array(identities.length);
  const joined = new Array(identities.length);
  const failures = new Map();
  let next = 0;
  // Open the 32 connections (TLS handshakes) before the clock: the figure is about redemptions.
  await Promise.all(Array.from({ length: JOINERS }, () => pool.request({ path: '/healthz', method: 'GET' }).then((r) => r.body.dump())));

  const start = performance.now();
  await Promise.all(
    Array.from({ length: JOINERS }, async () => {
      while (next < identities.length) {
        const i = next++;
        const sent = performance.now();
        const response = await pool.request({ path: '/v1/nodes/join', method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i] });
        const body = await response.body.json();
        latencies[i] = performance.now() - sent;
        if (response.statusCode === 201) joined[i] = { id: body.node.id, certPem: body.certificate_pem };
        else failures.set(body?.error?.code ?? response.statusCode, (failures.get(body?.error?.code ?? response.statusCode) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  if (failures.size > 0) throw new Error(`joins refused: ${JSON.stringify(Object.fromEntries(failures))}`);
  return { perSecond: identities.length / seconds, latencies: [...latencies], joined };
}
