// Node certificate renewal on SQLite (store/renewal-store.ts): the SQL of a renewal batch; the
// rules that drive it are in services/renewal-batch.ts. Under a fleet's renewals every statement
// costs the one writer ~0.2 ms, and a transaction per renewal (six statements) would cap renewals
// below 500/s: a batch reads every attempt's node and presented certificate with two statements,
// then supersedes pending leaves with one UPDATE and records the new ones with one INSERT.
import type { PendingLeaf, PromotedLeaf, RenewalState, RenewalStore, RenewalTransaction } from '../renewal-store.js';
import { jsonParameter, settled } from './connection.js';
import type { Sql, SqliteConnections } from './connection.js';
import { nodeCertificateFrom, nodeFrom } from '../rows.js';
import type { NodeCertificateRecord, NodeRecord } from '../rows.js';

/** The pending leaf becomes the node's current certificate; the current one is 'renewed'. */
async function promote(sql: Sql, nodeId: string, serial: string): Promise<PromotedLeaf | undefined> {
  const pending = await sql.get<NodeCertificateRecord>(
    "SELECT * FROM node_certificates WHERE serial = ? AND node_id = ? AND status = 'pending'",
    [serial, nodeId],
  );
  const before = await sql.get<{ cert_serial: string }>('SELECT cert_serial FROM nodes WHERE id = ?', [nodeId]);
  if (pending === undefined || before === undefined) return undefined;
  await sql.run("UPDATE node_certificates SET status = 'renewed' WHERE node_id = ? AND status = 'current'", [nodeId]);
  await sql.run("UPDATE node_certificates SET status = 'current' WHERE serial = ?", [serial]);
  const rows = await sql.all<NodeRecord>('UPDATE nodes SET cert_serial = ?, cert_not_after = ? WHERE id = ? RETURNING *', [
    serial,
    pending.not_after,
    nodeId,
  ]);
  return { node: nodeFrom(rows[0]), previousSerial: before.cert_serial };
}

/** Every attempt's node and presented certificate: two statements for the whole batch. */
async function readStates(sql: Sql, attempts: readonly { nodeId: string; presentedSerial: string }[]): Promise<RenewalState[]> {
  const [nodes, certificates] = await settled([
    sql.all<NodeRecord>('SELECT * FROM nodes WHERE id IN (SELECT value FROM json_each(?))', [jsonParameter(attempts.map((a) => a.nodeId))]),
    sql.all<NodeCertificateRecord>('SELECT * FROM node_certificates WHERE serial IN (SELECT value FROM json_each(?))', [
      jsonParameter(attempts.map((a) => a.presentedSerial)),
    ]),
  ] as const);
  const nodeById = new Map(nodes.map((r) => [r.id, nodeFrom(r)]));
  const certificateBySerial = new Map(certificates.map((r) => [r.serial, nodeCertificateFrom(r)]));
  return attempts.map((attempt) => ({ node: nodeById.get(attempt.nodeId), presented: certificateBySerial.get(attempt.presentedSerial) }));
}

/** Supersedes what was pending for these nodes, then records the new leaves (one statement after the other). */
async function writePendingLeaves(sql: Sql, leaves: readonly PendingLeaf[]): Promise<Map<string, string>> {
  const rows = await sql.all<{ node_id: string; serial: string }>(
    "UPDATE node_certificates SET status = 'superseded' WHERE status = 'pending' AND node_id IN (SELECT value FROM json_each(?)) RETURNING node_id, serial",
    [jsonParameter(leaves.map((l) => l.nodeId))],
  );
  await sql.run(
    "INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', 'pending', value ->> '$[3]' FROM jsonb_each(?)",
    [jsonParameter(leaves.map((l) => [l.certificate.serial, l.nodeId, l.certificate.notAfter, l.certificate.issuedAt]))],
  );
  return new Map(rows.map((row) => [row.node_id, row.serial]));
}

export class SqliteRenewalStore implements RenewalStore {
  constructor(private readonly db: SqliteConnections) {}

  transaction<T>(work: (tx: RenewalTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction((sql) =>
      work({
        readStates: (keys) => readStates(sql, keys),
        promote: (nodeId, serial) => promote(sql, nodeId, serial),
        writePendingLeaves: (leaves) => writePendingLeaves(sql, leaves),
      }),
    );
  }

  promotePending(nodeId: string, serial: string): Promise<PromotedLeaf | undefined> {
    return this.db.transaction((sql) => promote(sql, nodeId, serial));
  }
}
