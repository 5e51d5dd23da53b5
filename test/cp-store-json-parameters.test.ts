// Review of the bulk node INSERT (INSERT..SELECT FROM json_each): a joined node's columns must
// hold what a bound parameter holds, the same as the re-issue path (per-row UPDATE) stores.
// An agent_version with a lone UTF-16 surrogate (valid JSON, accepted by the API schema) is the
// case where JSON text and a bound JS string differ: binding stores U+FFFD, json ->> stores the
// surrogate's CESU-8 bytes (invalid UTF-8 in a TEXT column).
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteStore, assertClusterAllows, assertTokenRedeemable } from '@otherix/server';
import type { JoinTokenRow, RedemptionAttempt } from '@otherix/server';
import { nodeRow } from './helpers/stored-nodes.js';

const NOW = Date.parse('2026-06-06T12:00:00Z');

async function token(store: SqliteStore, nodeName: string | null): Promise<JoinTokenRow> {
  const row: JoinTokenRow = {
    id: randomUUID(), tokenHash: randomUUID().replace(/-/g, '').padEnd(64, '0'), nodeName, maxUses: 0, consumed: 0,
    expiresAt: NOW + 3_600_000, revokedAt: null, createdBy: 'admin', createdAt: NOW,
  };
  await store.insertJoinToken(row);
  return row;
}

function attempt(tokenRow: JoinTokenRow, i: number, name: string, agentVersion: string): RedemptionAttempt {
  const node = nodeRow(i, { id: randomUUID(), name, agentVersion, createdAt: NOW });
  return {
    tokenHash: tokenRow.tokenHash,
    hosts: [],
    node,
    certificate: { serial: node.certSerial, notAfter: node.certNotAfter },
    consumption: { id: randomUUID(), consumedAt: NOW, sourceIp: '127.0.0.1' },
    decide: (state) => {
      assertTokenRedeemable(state.token, name, NOW);
      assertClusterAllows(state, state.token, name);
    },
  };
}

test('a new node stores its agent_version byte for byte as a re-issued node does (lone surrogate)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-batch-review-'));
  const store = await SqliteStore.open(join(dir, 'otherix.db'));
  try {
    const fleet = await token(store, null);
    const odd = 'v\ud800';
    const [old] = await store.redeemJoinTokens([attempt(fleet, 1, 'reissued', 'plain')]);
    t.true(old!.ok);
    const bound = await token(store, 'reissued');
    const outcomes = await store.redeemJoinTokens([attempt(fleet, 2, 'fresh', odd), attempt(bound, 3, 'reissued', odd)]);
    t.true(outcomes.every((o) => o.ok));
    const stored = await store.connections.read.all<{ name: string; bytes: string }>(
      "SELECT name, hex(agent_version) AS bytes FROM nodes WHERE name IN ('fresh', 'reissued') ORDER BY name",
    );
    // The re-issue binds the string: SQLite gets well-formed UTF-8, 'v' + U+FFFD.
    t.deepEqual(stored, [{ name: 'fresh', bytes: '76EFBFBD' }, { name: 'reissued', bytes: '76EFBFBD' }]);
    t.is((await store.findNodeByName('fresh'))!.agentVersion, (await store.findNodeByName('reissued'))!.agentVersion);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
