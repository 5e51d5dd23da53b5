// Rows in the store's own words (the Store interface of @otherix/server), for tests that write
// through a Store what today's API would refuse or cannot make exact: a node row, a join token
// row, and a redemption attempt judged by the CP's own rules. Nothing here knows an engine.
import { randomUUID } from 'node:crypto';
import { assertClusterAllows, assertTokenRedeemable } from '@otherix/server';
import type { JoinTokenRow, NodeRow, RedemptionAttempt, Store } from '@otherix/server';

/** A node row numbered `i` (id, name and serial from it); every other field can be overridden. */
export function nodeRow(i: number, fields: Partial<NodeRow> = {}): NodeRow {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `node-${String(i).padStart(4, '0')}`,
    architecture: 'amd64',
    advertisedEndpoint: 'https://127.0.0.1:9443',
    endpointHost: '127.0.0.1',
    migrationHost: '127.0.0.1',
    migrationPortRangeStart: 49152,
    migrationPortRangeEnd: 49251,
    hardware: null,
    agentVersion: 't',
    vmCount: 0,
    activeMigrations: 0,
    certSerial: `${(i + 0x40).toString(16)}aa`,
    certNotAfter: Date.parse('2027-06-06T12:00:00Z'),
    cordoned: false,
    heartbeatIntervalMs: null,
    lastHeartbeatAt: null,
    lastRefusedHeartbeatAt: null,
    createdAt: Date.parse('2026-06-06T11:00:00Z'),
    ...fields,
  };
}

/** Inserts a live join token (an hour left at `now`; 0 uses = unlimited) and returns its row. */
export async function insertJoinToken(
  store: Store,
  now: number,
  options: { maxUses?: number; nodeName?: string | null } = {},
): Promise<JoinTokenRow> {
  const row: JoinTokenRow = {
    id: randomUUID(),
    tokenHash: randomUUID().replace(/-/g, '').padEnd(64, '0'),
    nodeName: options.nodeName ?? null,
    maxUses: options.maxUses ?? 0,
    consumed: 0,
    expiresAt: now + 3_600_000,
    revokedAt: null,
    createdBy: 'admin',
    createdAt: now,
  };
  await store.insertJoinToken(row);
  return row;
}

/** A redemption of `token` for `node`, judged at `now` by the CP's own rules; `hosts` are the ones to check for collisions. */
export function redemptionAttempt(token: JoinTokenRow, node: NodeRow, now: number, hosts: string[] = []): RedemptionAttempt {
  return {
    tokenHash: token.tokenHash,
    hosts,
    node,
    certificate: { serial: node.certSerial, notAfter: node.certNotAfter },
    consumption: { id: randomUUID(), consumedAt: now, sourceIp: '127.0.0.1' },
    decide: (state) => {
      assertTokenRedeemable(state.token, node.name, now);
      assertClusterAllows(state, state.token, node.name);
    },
  };
}
