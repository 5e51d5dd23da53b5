#!/usr/bin/env node
// `node scripts/bench/store-batches.mjs [NODES]`: the heartbeat's durable write alone, no HTTP.
// The store's `recordHeartbeats` (the statement a group commit runs) in a loop on a fresh SQLite
// store seeded with NODES nodes (default 2,000, the bench's identities), one batch size at a time,
// each batch of distinct nodes spread over the table; prints JSON: per batch size, this process's
// CPU per heartbeat on the event loop (the JSON parameter, node-sqlite3's callback and rows, the
// promises) and on its other threads (SQLite on the thread pool, GC helpers), and heartbeats/s.
// The group commit's batch size in the CP is the number of heartbeats that arrived during the
// previous commit (~30 at 10,000/s on the 2-core machine), so this says what a heartbeat's write
// costs at each load (README "Performance").
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '@otherix/server';
import { cpuMeter } from './cpu.mjs';
import { BENCH_HARDWARE } from './fixtures.mjs';
import { seedNodes } from './node-list.mjs';
import { round } from './stats.mjs';

const NODES = Number(process.argv[2] ?? 2_000);
const BATCH_SIZES = [1, 4, 16, 32, 64, 160];
const WARM_BATCHES = 100;
const MEASURE_MS = 2_000;

const work = await mkdtemp(path.join(os.tmpdir(), 'otherix-store-batches-'));
try {
  const file = path.join(work, 'otherix.db');
  await (await SqliteStore.open(file)).close(); // the schema, by the store's own migrations
  await seedNodes(work, NODES);
  const store = await SqliteStore.open(file);
  const rule = { now: Date.now(), missedIntervals: 3, defaultIntervalMs: 30_000 };
  const nodes = [];
  let cursor;
  do {
    const page = await store.nodes.list({ limit: 500, cursor, rule });
    nodes.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  const hardwareJson = JSON.stringify(BENCH_HARDWARE);
  let seq = 0;
  const batch = (size) =>
    Array.from({ length: size }, (_, i) => {
      // A stride prime to the node count: distinct nodes in a batch, every node in turn.
      const node = nodes[(seq * size + i * 7919) % nodes.length];
      return {
        nodeId: node.id,
        certSerial: node.certSerial,
        architecture: node.architecture,
        agentVersion: '0.1.0-bench',
        heartbeatIntervalMs: 30_000,
        hardwareJson,
        vmCount: seq++ % 100,
        activeMigrations: 0,
        at: Date.now(),
      };
    });
  const report = { nodes: NODES, per_batch_size: {} };
  for (const size of BATCH_SIZES) {
    for (let i = 0; i < WARM_BATCHES; i++) await store.nodes.recordHeartbeats(batch(size));
    const meter = cpuMeter(process.pid);
    const deadline = performance.now() + MEASURE_MS;
    let written = 0;
    while (performance.now() < deadline) {
      const landed = await store.nodes.recordHeartbeats(batch(size));
      if (landed.some((l) => l === undefined)) throw new Error('a heartbeat of the batch did not land');
      written += size;
    }
    const cpu = meter.stop();
    report.per_batch_size[size] = {
      event_loop_us: round((1000 * cpu.mainMs) / written, 1),
      other_threads_us: round((1000 * cpu.otherMs) / written, 1),
      heartbeats_per_s: round(written / (MEASURE_MS / 1000)),
    };
  }
  await store.close();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
