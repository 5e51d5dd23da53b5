// The crypto ceiling of a join: the CP's own primitives, P-384 CSR verification (verifyCsrAsync,
// as the redemption calls it) and leaf signing (ClusterCa.issueNodeCertificate), both on
// libuv's thread pool through node:crypto's callback forms, so both cores work, driven by 32
// concurrent loops like the joiners, in a process of its own (the CP's thread pool size). Nothing else: no TLS, no
// HTTP, no database. Run as `node crypto-ceiling.mjs <durationMs>`; prints {per_s, ops}.
import { ClusterCa } from '@otherix/server';
import { createCsr, generateNodeKeyPair, verifyCsrAsync } from '@otherix/sdk/pki';

const DURATION_MS = Number(process.argv[2] ?? 3000);
const CONCURRENCY = 32;
const DISTINCT_CSRS = 64;

const { ca } = await ClusterCa.create(Date.now());
const csrs = await Promise.all(
  Array.from({ length: DISTINCT_CSRS }, async (_, i) => createCsr(await generateNodeKeyPair(), `ceiling-${i}`)),
);

async function once(i) {
  const { spkiDer } = await verifyCsrAsync(csrs[i % DISTINCT_CSRS]);
  await ca.issueNodeCertificate({ nodeName: `ceiling-${i}`, spkiDer, hosts: ['127.0.0.1'], now: Date.now() });
}

// Warm up (JIT, thread pool) before the clock.
for (let i = 0; i < 64; i++) await once(i);

let ops = 0;
const start = performance.now();
const deadline = start + DURATION_MS;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) await once(ops++);
  }),
);
const seconds = (performance.now() - start) / 1000;
process.stdout.write(JSON.stringify({ per_s: ops / seconds, ops }) + '\n');
