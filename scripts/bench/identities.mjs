// Node identities for the load phases, made before any clock starts: a P-384 key and a CSR
// per node name, with the SDK's own functions (as the agent makes them), split over worker
// threads so both cores work.
import { Worker } from 'node:worker_threads';

/** [{name, csrPem, keyPem}] for `count` names `${prefix}-00001`..., sorted by name. */
export async function makeIdentities(count, prefix, workers = 2) {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(5, '0')}`);
  const shares = Array.from({ length: workers }, (_, w) => names.filter((_, i) => i % workers === w));
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL('./identities-worker.mjs', import.meta.url), { workerData: { names: share } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  return parts.flat().sort((a, b) => (a.name < b.name ? -1 : 1));
}
