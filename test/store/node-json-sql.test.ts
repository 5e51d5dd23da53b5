// List pages are sent as the store gives them: SQLite renders them in SQL
// (store/sqlite/node-json-sql.ts), PostgreSQL in the replica from the rows' text
// (store/postgres/node-json.ts); a single node by nodeToApi()/nodeToSummary(). The two must be
// the same JSON, byte for byte: every field, the keys in the same order, times to the
// millisecond, numbers as JavaScript writes them, hardware as stored, strings escaped alike.
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY, nodeToApi, nodeToSummary } from '@otherix/server';
import type { NodeRow } from '@otherix/server';
import { nodeRow } from '../harness/store-rows.js';
import { testOnEachEngine, withStoredNodes } from './scratch-store.js';

const NOW = Date.parse('2026-06-06T12:00:00.123Z');
const rule = { now: NOW, missedIntervals: MISSED_HEARTBEATS_FOR_NOT_READY, defaultIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS };

/** GeneralizedTime's last second: no certificate's notAfter is later. */
const X509_LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59);

const HARDWARE = {
  cpu_model: 'AMD EPYC 9654 96-Core Processor',
  cpu_count: 192,
  memory_bytes: 1536 * 2 ** 30,
  kvm_present: true,
  hostname: 'hv-01',
  kernel: '6.1.0-18-amd64',
};

function rows(): NodeRow[] {
  const at = [
    Date.UTC(1970, 0, 1),
    Date.UTC(1999, 11, 31, 23, 59, 59, 999),
    Date.UTC(2024, 1, 29, 0, 0, 0, 1),
    NOW - 1,
    NOW - 999,
    Date.UTC(2026, 5, 6, 11, 59, 59, 995),
    Date.UTC(2027, 0, 1, 0, 0, 0, 10),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    1_764_237_600_123,
  ];
  const out: NodeRow[] = [];
  let i = 0;
  for (const t of at) {
    out.push(
      nodeRow(i++, {
        createdAt: t,
        certNotAfter: Math.min(t + 365 * 86_400_000 - (i % 7), X509_LAST_INSTANT),
        lastHeartbeatAt: NOW - (t % 10_000),
        heartbeatIntervalMs: 30_000,
        hardware: HARDWARE,
      }),
    );
  }
  out.push(nodeRow(i++)); // pending: no heartbeat, no hardware
  out.push(nodeRow(i++, { cordoned: true, lastHeartbeatAt: NOW - 1e9, heartbeatIntervalMs: 1000, vmCount: 7, activeMigrations: 2 }));
  out.push(
    nodeRow(i++, { lastHeartbeatAt: NOW - 4 * 30_000, hardware: { ...HARDWARE, kvm_present: false, cpu_count: 1, memory_bytes: 0 } }),
  ); // not_ready
  // not_ready: heard "in the future"
  out.push(nodeRow(i++, { lastHeartbeatAt: NOW + 3_600_000, heartbeatIntervalMs: 30_000, hardware: HARDWARE }));
  out.push(
    nodeRow(i++, { lastHeartbeatAt: NOW - 1000, heartbeatIntervalMs: 30_000, lastRefusedHeartbeatAt: NOW - 10, hardware: HARDWARE }),
  ); // not_ready: refused since
  out.push(nodeRow(i++, { lastRefusedHeartbeatAt: NOW - 10 })); // not_ready: refused, never heard
  out.push(
    nodeRow(i++, {
      architecture: 'arm64',
      advertisedEndpoint: 'https://[fd00::1]:9443',
      endpointHost: 'fd00::1',
      migrationHost: 'fd00::1',
      migrationPortRangeStart: 1,
      migrationPortRangeEnd: 65535,
      agentVersion: '1.2.3-rc.1+build.5',
      certSerial: 'ffffffffffffffffffffffffffffffff',
      lastHeartbeatAt: NOW,
      heartbeatIntervalMs: 5000,
      hardware: {
        ...HARDWARE,
        cpu_model: 'Ünïcødé "quoted" \\ back\\slash\ttab\nnewline \u0001 ctl \u2028 sep 𝄞',
        hostname: 'h/o:s#t',
        kernel: '',
      },
    }),
  );
  // Text columns the engines render themselves (not the hardware report): escapes as JSON.stringify writes them.
  out.push(
    nodeRow(i, {
      architecture: 'a"r\\m',
      agentVersion: 'v\u0001 "9" \t Ünï 𝄞 \u2028',
      advertisedEndpoint: 'https://h\u007f:1',
      lastHeartbeatAt: NOW - 1000,
      heartbeatIntervalMs: 30_000,
      vmCount: 2_147_483_647,
      activeMigrations: 3,
      hardware: { ...HARDWARE, memory_bytes: 2 ** 53 - 1 },
    }),
  );
  return out;
}

testOnEachEngine('a full list page holds, for each node, exactly what nodeToApi() gives', async (t, engine) => {
  const stored = rows();
  await withStoredNodes(engine, stored, async (store) => {
    const page = await store.nodes.listJson({ limit: 500, rule }, 'full');
    t.is(page.items.length, stored.length);
    page.items.forEach((text, i) => {
      const expected = nodeToApi(stored[i], NOW);
      t.deepEqual(JSON.parse(text), expected, stored[i].name);
      t.is(text, JSON.stringify(expected), `${stored[i].name}: the same text`);
    });
    t.deepEqual(
      new Set(page.items.map((text) => (JSON.parse(text) as { status: string }).status)),
      new Set(['ready', 'pending', 'cordoned', 'not_ready']),
    );
  });
});

testOnEachEngine('a summary page holds exactly what nodeToSummary() gives, and no field of the full form', async (t, engine) => {
  const stored = rows();
  await withStoredNodes(engine, stored, async (store) => {
    const page = await store.nodes.listJson({ limit: 500, rule }, 'summary');
    page.items.forEach((text, i) => {
      const expected = nodeToSummary(stored[i], NOW);
      t.is(text, JSON.stringify(expected), stored[i].name);
      t.deepEqual(Object.keys(JSON.parse(text) as object), ['projection', 'id', 'name', 'status', 'architecture', 'last_heartbeat_at']);
    });
  });
});

testOnEachEngine('rendered pages and row pages agree on order, filters and cursors', async (t, engine) => {
  const stored = rows();
  await withStoredNodes(engine, stored, async (store) => {
    for (const query of [
      { limit: 3 },
      { limit: 500, status: 'ready' as const },
      { limit: 2, architecture: 'arm64' },
      { limit: 4, schedulable: false },
    ]) {
      let cursor: string | undefined;
      do {
        const asRows = await store.nodes.list({ ...query, cursor, rule });
        const asJson = await store.nodes.listJson({ ...query, cursor, rule }, 'full');
        t.deepEqual(
          asJson.items.map((text) => (JSON.parse(text) as { name: string }).name),
          asRows.items.map((r) => r.name),
        );
        t.is(asJson.nextCursor, asRows.nextCursor);
        cursor = asRows.nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
  });
});

testOnEachEngine(
  'a page filtered by certificate expiry (cert_expires_before) is what nodeToApi gives for the same rows',
  async (t, engine) => {
    const day = 86_400_000;
    const stored = [0, 1, 2, 3, 4, 5].map((i) =>
      nodeRow(i, { certNotAfter: NOW + (i - 2) * day + i, lastHeartbeatAt: NOW - 1000, heartbeatIntervalMs: 30_000 }),
    );
    const before = NOW + 2 * day;
    await withStoredNodes(engine, stored, async (store) => {
      const page = await store.nodes.listJson({ limit: 500, rule, certExpiresBefore: before }, 'full');
      const expected = stored.filter((row) => row.certNotAfter < before);
      t.is(expected.length, 4);
      t.deepEqual(
        page.items,
        expected.map((row) => JSON.stringify(nodeToApi(row, NOW))),
      );
      const asRows = await store.nodes.list({ limit: 2, rule, certExpiresBefore: before });
      t.deepEqual(
        asRows.items.map((row) => row.name),
        expected.slice(0, 2).map((row) => row.name),
      );
    });
  },
);
