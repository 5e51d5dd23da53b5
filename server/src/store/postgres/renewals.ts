// Node certificate renewal on PostgreSQL (store/renewal-store.ts): the SQL of a renewal batch, in
// a transaction holding the rules' advisory lock (the rules are in services/renewal-batch.ts).
import type { PendingLeaf, PromotedLeaf, RenewalState, RenewalStore, RenewalTransaction } from '../renewal-store.js';
import { nodeCertificateFrom, nodeFrom } from '../rows.js';
import type { NodeCertificateRecord, NodeRecord } from '../rows.js';
import type { PgConnections, Sql } from './connection.js';
import { jsonRows, selectJsonRows } from './json-rows.js';

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

async function readStates(sql: Sql, keys: readonly { nodeId: string; presentedSerial: string }[]): Promise<RenewalState[]> {
  const nodes = await sql.all<NodeRecord>('SELECT * FROM nodes WHERE id IN (SELECT value FROM json_array_elements_text(?::json))', [
    jsonRows(keys.map((k) => k.nodeId)),
  ]);
  const certificates = await sql.all<NodeCertificateRecord>(
    'SELECT * FROM node_certificates WHERE serial IN (SELECT value FROM json_array_elements_text(?::json))',
    [jsonRows(keys.map((k) => k.presentedSerial))],
  );
  const nodeById = new Map(nodes.map((r) => [r.id, nodeFrom(r)]));
  const certificateBySerial = new Map(certificates.map((r) => [r.serial, nodeCertificateFrom(r)]));
  return keys.map((key) => ({ node: nodeById.get(key.nodeId), presented: certificateBySerial.get(key.presentedSerial) }));
}

async function writePendingLeaves(sql: Sql, leaves: readonly PendingLeaf[]): Promise<Map<string, string>> {
  const rows = await sql.all<{ node_id: string; serial: string }>(
    "UPDATE node_certificates SET status = 'superseded' WHERE status = 'pending' AND node_id IN (SELECT value FROM json_array_elements_text(?::json)) RETURNING node_id, serial",
    [jsonRows(leaves.map((l) => l.nodeId))],
  );
  await sql.run(
    `INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) SELECT s, n, a, 'pending', i FROM (${selectJsonRows(['text', 'text', 'bigint', 'bigint'])}) AS leaf (s, n, a, i)`,
    [jsonRows(leaves.map((l) => [l.certificate.serial, l.nodeId, l.certificate.notAfter, l.certificate.issuedAt]))],
  );
  return new Map(rows.map((row) => [row.node_id, row.serial]));
}

export class PgRenewalStore implements RenewalStore {
  constructor(private readonly db: PgConnections) {}

  transaction<T>(work: (tx: RenewalTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(
      (sql) =>
        work({
          readStates: (keys) => readStates(sql, keys),
          promote: (nodeId, serial) => promote(sql, nodeId, serial),
          writePendingLeaves: (leaves) => writePendingLeaves(sql, leaves),
        }),
      { rules: true },
    );
  }

  promotePending(nodeId: string, serial: string): Promise<PromotedLeaf | undefined> {
    return this.db.transaction((sql) => promote(sql, nodeId, serial), { rules: true });
  }
}
