// Node certificate renewal on SQLite (store/renewal-store.ts): each a transaction of the one
// writer. Renewals are rare (a node renews once per two thirds of its lifetime), so they are not
// group-committed like joins and heartbeats.
import type { PromotedLeaf, RenewalAttempt, RenewalResult, RenewalStore } from '../renewal-store.js';
import type { Sql, SqliteConnections } from './connection.js';
import { nodeCertificateFrom, nodeFrom } from './rows.js';
import type { NodeCertificateRecord, NodeRecord } from './rows.js';

/** The pending leaf becomes the node's current certificate; the current one is 'renewed'. */
async function promote(sql: Sql, nodeId: string, serial: string): Promise<PromotedLeaf | undefined> {
  const pending = await sql.get<NodeCertificateRecord>("SELECT * FROM node_certificates WHERE serial = ? AND node_id = ? AND status = 'pending'", [serial, nodeId]);
  const before = await sql.get<{ cert_serial: string }>('SELECT cert_serial FROM nodes WHERE id = ?', [nodeId]);
  if (pending === undefined || before === undefined) return undefined;
  await sql.run("UPDATE node_certificates SET status = 'renewed' WHERE node_id = ? AND status = 'current'", [nodeId]);
  await sql.run("UPDATE node_certificates SET status = 'current' WHERE serial = ?", [serial]);
  const rows = await sql.all<NodeRecord>('UPDATE nodes SET cert_serial = ?, cert_not_after = ? WHERE id = ? RETURNING *', [serial, pending.not_after, nodeId]);
  return { node: nodeFrom(rows[0]!), previousSerial: before.cert_serial };
}

export class SqliteRenewalStore implements RenewalStore {
  constructor(private readonly db: SqliteConnections) {}

  renew(attempt: RenewalAttempt): Promise<RenewalResult> {
    return this.db.transaction(async (sql) => {
      const record = await sql.get<NodeRecord>('SELECT * FROM nodes WHERE id = ?', [attempt.nodeId]);
      const presentedRecord = await sql.get<NodeCertificateRecord>('SELECT * FROM node_certificates WHERE serial = ?', [attempt.presentedSerial]);
      const presented = presentedRecord && nodeCertificateFrom(presentedRecord);
      attempt.decide({ node: record && nodeFrom(record), presented });
      if (record === undefined || presented === undefined) throw new Error('renewal rules accepted a node or certificate that does not exist');

      let node = nodeFrom(record);
      let promoted: RenewalResult['promoted'];
      if (presented.status === 'pending') {
        const made = await promote(sql, attempt.nodeId, attempt.presentedSerial);
        if (made !== undefined) {
          node = made.node;
          promoted = { serial: attempt.presentedSerial, previousSerial: made.previousSerial };
        }
      }
      const superseded = await sql.all<{ serial: string }>(
        "UPDATE node_certificates SET status = 'superseded' WHERE node_id = ? AND status = 'pending' RETURNING serial",
        [attempt.nodeId],
      );
      const { serial, notAfter, issuedAt } = attempt.certificate;
      await sql.run("INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) VALUES (?, ?, ?, 'pending', ?)", [serial, attempt.nodeId, notAfter, issuedAt]);
      return { node, promoted, superseded: superseded[0]?.serial };
    });
  }

  promotePending(nodeId: string, serial: string): Promise<PromotedLeaf | undefined> {
    return this.db.transaction((sql) => promote(sql, nodeId, serial));
  }
}
