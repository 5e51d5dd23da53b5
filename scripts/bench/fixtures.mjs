// What several bench phases share: a bench node's hardware report and a free loopback port.
// The bench keeps its own copies of what the tests' harness also has: scripts do not import
// test code.
import { createServer } from 'node:net';

/** The hardware report of a bench node: what heartbeats send and what the seeded rows hold. */
export const BENCH_HARDWARE = Object.freeze({
  cpu_model: 'AMD EPYC 9654 96-Core Processor',
  cpu_count: 192,
  memory_bytes: 1536 * 2 ** 30,
  kvm_present: true,
  hostname: 'bench-host',
  kernel: '6.1.0-18-amd64',
});

/** A loopback port no one listened on when asked (the probe closes before it answers). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
