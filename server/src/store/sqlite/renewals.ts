// Node certificate renewal on SQLite (store/renewal-store.ts). Renewals are group-committed like
// joins (services/renewal.ts): under a fleet's renewals every statement costs the one writer
// ~0.2 ms, and a transaction per renewal (six statements) would cap renewals below 500/s. A
// batch reads every attempt's node and presented certificate with two statements, judges the
// attempts in order, then supersedes pending leaves with one UPDATE and records the new ones with
// one INSERT, whatever the batch's size. An attempt for a node an earlier attempt of the batch
// already renewed waits for those writes and reads again (the CP lets one renewal per node run
// at a time, so this is the rare case). Promoting a pending leaf is rare too: done on its own.
import { OtherixError } from '@otherix/sdk';
import type { PromotedLeaf, RenewalAttempt, RenewalOutcome, RenewalResult, RenewalState, RenewalStore } from '../renewal-store.js';
import { jsonParameter, settled } from './connection.js';
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
  return { node: nodeFrom(rows[0]), previousSerial: before.cert_serial };
}

/** Every attempt's node and presented certificate: two statements for the whole batch. */
async function readStates(sql: Sql, attempts: readonly RenewalAttempt[]): Promise<RenewalState[]> {
  const [nodes, certificates] = await settled([
    sql.all<NodeRecord>('SELECT * FROM nodes WHERE id IN (SELECT value FROM json_each(?))', [jsonParameter(attempts.map((a) => a.nodeId))]),
    sql.all<NodeCertificateRecord>('SELECT * FROM node_certificates WHERE serial IN (SELECT value FROM json_each(?))', [jsonParameter(attempts.map((a) => a.presentedSerial))]),
  ] as const);
  const nodeById = new Map(nodes.map((r) => [r.id, nodeFrom(r)]));
  const certificateBySerial = new Map(certificates.map((r) => [r.serial, nodeCertificateFrom(r)]));
  return attempts.map((attempt) => ({ node: nodeById.get(attempt.nodeId), presented: certificateBySerial.get(attempt.presentedSerial) }));
}

/** The new pending leaves of accepted attempts, written together: supersede what was pending, then insert. */
class PendingLeaves {
  private readonly gathered: RenewalAttempt[] = [];
  /** The pending leaf each attempt superseded (one flush never holds two attempts of one node). */
  readonly superseded = new Map<RenewalAttempt, string>();

  constructor(private readonly sql: Sql) {}

  add(attempt: RenewalAttempt): void {
    this.gathered.push(attempt);
  }

  /** Writes what is gathered (one statement after the other: a failed one ends the transaction). */
  async flush(): Promise<void> {
    if (this.gathered.length === 0) return;
    const batch = this.gathered.splice(0);
    const rows = await this.sql.all<{ node_id: string; serial: string }>(
      "UPDATE node_certificates SET status = 'superseded' WHERE status = 'pending' AND node_id IN (SELECT value FROM json_each(?)) RETURNING node_id, serial",
      [jsonParameter(batch.map((a) => a.nodeId))],
    );
    const byNode = new Map(rows.map((row) => [row.node_id, row.serial]));
    for (const attempt of batch) {
      const serial = byNode.get(attempt.nodeId);
      if (serial !== undefined) this.superseded.set(attempt, serial);
    }
    await this.sql.run(
      "INSERT INTO node_certificates (serial, node_id, not_after, status, issued_at) SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', 'pending', value ->> '$[3]' FROM json_each(?)",
      [jsonParameter(batch.map((a) => [a.certificate.serial, a.nodeId, a.certificate.notAfter, a.certificate.issuedAt]))],
    );
  }
}

/** A failed statement throws (the caller rolls back); a refusal by the rules is an outcome. */
async function renewInOrder(sql: Sql, attempts: readonly RenewalAttempt[]): Promise<RenewalOutcome[]> {
  const initial = await readStates(sql, attempts);
  const leaves = new PendingLeaves(sql);
  const renewedNodes = new Set<string>();
  const accepted: { index: number; attempt: RenewalAttempt; result: Omit<RenewalResult, 'superseded'> }[] = [];
  const outcomes: RenewalOutcome[] = [];
  for (const [index, attempt] of attempts.entries()) {
    let state = initial[index];
    if (renewedNodes.has(attempt.nodeId)) {
      // An earlier attempt of this batch renewed the same node: judge this one on what it left.
      await leaves.flush();
      state = (await readStates(sql, [attempt]))[0]!;
    }
    try {
      attempt.decide(state);
      if (state.node === undefined || state.presented === undefined) throw new OtherixError('internal', 'renewal rules accepted a node or certificate that does not exist');
    } catch (error) {
      outcomes.push({ ok: false, error });
      continue;
    }
    let node = state.node;
    let promoted: RenewalResult['promoted'];
    if (state.presented.status === 'pending') {
      await leaves.flush();
      const made = await promote(sql, attempt.nodeId, attempt.presentedSerial);
      if (made !== undefined) {
        node = made.node;
        promoted = { serial: attempt.presentedSerial, previousSerial: made.previousSerial };
      }
    }
    leaves.add(attempt);
    renewedNodes.add(attempt.nodeId);
    accepted.push({ index, attempt, result: { node, promoted } });
    outcomes.push({ ok: true, result: { node, promoted, superseded: undefined } });
  }
  await leaves.flush();
  for (const { index, attempt, result } of accepted) outcomes[index] = { ok: true, result: { ...result, superseded: leaves.superseded.get(attempt) } };
  return outcomes;
}

export class SqliteRenewalStore implements RenewalStore {
  constructor(private readonly db: SqliteConnections) {}

  async renew(attempts: readonly RenewalAttempt[]): Promise<RenewalOutcome[]> {
    try {
      return await this.db.transaction((sql) => renewInOrder(sql, attempts));
    } catch (error) {
      if (attempts.length === 1) return [{ ok: false, error }];
      // A statement (or the COMMIT) failed and the whole batch rolled back: each attempt again
      // in a transaction of its own, so one that cannot be written does not fail the others.
      const outcomes: RenewalOutcome[] = [];
      for (const attempt of attempts) {
        try {
          outcomes.push((await this.db.transaction((sql) => renewInOrder(sql, [attempt])))[0]);
        } catch (alone) {
          outcomes.push({ ok: false, error: alone });
        }
      }
      return outcomes;
    }
  }

  promotePending(nodeId: string, serial: string): Promise<PromotedLeaf | undefined> {
    return this.db.transaction((sql) => promote(sql, nodeId, serial));
  }
}
