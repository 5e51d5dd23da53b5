// Node certificate renewal (store/renewal-store.ts) on either engine: the SQL of a renewal batch,
// in a rules transaction (on PostgreSQL it holds the advisory lock); the rules that drive it are
// in services/renewal-batch.ts. A transaction per renewal (six statements) would cap renewals
// below 500/s: a batch reads every attempt's node and presented certificate with two statements,
// then supersedes pending leaves with one UPDATE and records the new ones with one INSERT.
import type { PendingLeaf, PromotedLeaf, RenewalState, RenewalStore, RenewalTransaction } from './renewal-store.js';
import { CERTIFICATE_COLUMNS, CERTIFICATE_COLUMN_TYPES, COLUMNS, nodeCertificateFrom, nodeFrom } from './rows.js';
import type { NodeCertificateRecord, NodeRecord } from './rows.js';
import { jsonParameter, settled } from './sql.js';
import type { Connections, Dialect, Sql } from './sql.js';

/** The pending leaf becomes the node's current certificate; the current one is 'renewed'. */
async function promote(sql: Sql, nodeId: string, serial: string): Promise<PromotedLeaf | undefined> {
  const pending = await sql.get<NodeCertificateRecord>(
    `SELECT ${COLUMNS.certificates} FROM node_certificates WHERE serial = ? AND node_id = ? AND status = 'pending'`,
    [serial, nodeId],
  );
  const before = await sql.get<{ cert_serial: string }>('SELECT cert_serial FROM nodes WHERE id = ?', [nodeId]);
  if (pending === undefined || before === undefined) return undefined;
  await sql.run("UPDATE node_certificates SET status = 'renewed' WHERE node_id = ? AND status = 'current'", [nodeId]);
  await sql.run("UPDATE node_certificates SET status = 'current' WHERE serial = ?", [serial]);
  const rows = await sql.all<NodeRecord>(`UPDATE nodes SET cert_serial = ?, cert_not_after = ? WHERE id = ? RETURNING ${COLUMNS.nodes}`, [
    serial,
    pending.not_after,
    nodeId,
  ]);
  return { node: nodeFrom(rows[0]), previousSerial: before.cert_serial };
}

/** Every attempt's node and presented certificate: two statements for the whole batch. */
async function readStates(
  sql: Sql,
  dialect: Dialect,
  attempts: readonly { nodeId: string; presentedSerial: string }[],
): Promise<RenewalState[]> {
  const [nodes, certificates] = await settled([
    sql.all<NodeRecord>(`SELECT ${COLUMNS.nodes} FROM nodes WHERE id IN (${dialect.valuesOf})`, [
      jsonParameter(attempts.map((a) => a.nodeId)),
    ]),
    sql.all<NodeCertificateRecord>(`SELECT ${COLUMNS.certificates} FROM node_certificates WHERE serial IN (${dialect.valuesOf})`, [
      jsonParameter(attempts.map((a) => a.presentedSerial)),
    ]),
  ] as const);
  const nodeById = new Map(nodes.map((r) => [r.id, nodeFrom(r)]));
  const certificateBySerial = new Map(certificates.map((r) => [r.serial, nodeCertificateFrom(r)]));
  return attempts.map((attempt) => ({ node: nodeById.get(attempt.nodeId), presented: certificateBySerial.get(attempt.presentedSerial) }));
}

/** Supersedes what was pending for these nodes, then records the new leaves (one statement after the other). */
async function writePendingLeaves(sql: Sql, dialect: Dialect, leaves: readonly PendingLeaf[]): Promise<Map<string, string>> {
  const rows = await sql.all<{ node_id: string; serial: string }>(
    `UPDATE node_certificates SET status = 'superseded' WHERE status = 'pending' AND node_id IN (${dialect.valuesOf}) RETURNING node_id, serial`,
    [jsonParameter(leaves.map((l) => l.nodeId))],
  );
  await sql.run(`INSERT INTO node_certificates (${CERTIFICATE_COLUMNS.join(', ')}) ${dialect.rowsOf(CERTIFICATE_COLUMN_TYPES)}`, [
    jsonParameter(leaves.map((l) => [l.certificate.serial, l.nodeId, l.certificate.notAfter, 'pending', l.certificate.issuedAt])),
  ]);
  return new Map(rows.map((row) => [row.node_id, row.serial]));
}

export class SqlRenewalStore implements RenewalStore {
  constructor(
    private readonly db: Connections,
    private readonly dialect: Dialect,
  ) {}

  transaction<T>(work: (tx: RenewalTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(
      (sql) =>
        work({
          readStates: (keys) => readStates(sql, this.dialect, keys),
          promote: (nodeId, serial) => promote(sql, nodeId, serial),
          writePendingLeaves: (leaves) => writePendingLeaves(sql, this.dialect, leaves),
        }),
      { rules: true },
    );
  }

  promotePending(nodeId: string, serial: string): Promise<PromotedLeaf | undefined> {
    return this.db.transaction((sql) => promote(sql, nodeId, serial), { rules: true });
  }
}
