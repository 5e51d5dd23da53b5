// The CA rotation's state in the database (issue 19; tables of migration 8), reached as
// `store.caRotation`. SQL only, one form for both engines (`?` placeholders on both); the rules
// live in services/ca-rotation.ts. Every change is a compare-and-set on `version`, so two admins
// (or two replicas) moving the phase at once cannot both win.

export type RotationPhase = 'standby' | 'init' | 'update_clients' | 'update_servers' | 'rollback';

export interface CaRotationRow {
  phase: RotationPhase;
  phaseSince: number;
  startedAt: number | null;
  nextCaCertPem: string | null;
  /** PostgreSQL: the new CA's key, sealed like the cluster's. SQLite: null (a file in the data dir). */
  nextCaKeySealed: string | null;
  crossPem: string | null;
  /** The CA the last completed rotation retired: its certificates are refused with `ca_retired`. */
  retiredCaCertPem: string | null;
  version: number;
}

export interface NodeTrustRow {
  nodeId: string;
  /** Comma-separated `sha256:` fingerprints of the CAs the node's ca.crt trusts. */
  trustedFingerprints: string;
  leafCaFingerprint: string;
}

/** The new cluster CA written when a rotation completes. */
export interface CompletedCa {
  fingerprint: string;
  certPem: string;
  /** PostgreSQL's cluster row keeps the sealed key; SQLite keeps it in the data dir. */
  keySealed: string | null;
}

interface SqlLike {
  run(sql: string, params?: readonly (string | number | null)[]): Promise<unknown>;
  get<T>(sql: string, params?: readonly (string | number | null)[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly (string | number | null)[]): Promise<T[]>;
}

interface RotationRecord {
  phase: RotationPhase;
  phase_since: number;
  started_at: number | null;
  next_ca_cert_pem: string | null;
  next_ca_key_sealed: string | null;
  cross_pem: string | null;
  retired_ca_cert_pem: string | null;
  version: number;
}

const STANDBY: CaRotationRow = {
  phase: 'standby',
  phaseSince: 0,
  startedAt: null,
  nextCaCertPem: null,
  nextCaKeySealed: null,
  crossPem: null,
  retiredCaCertPem: null,
  version: 0,
};

function rowFrom(r: RotationRecord | undefined): CaRotationRow {
  if (r === undefined) return STANDBY;
  return {
    phase: r.phase,
    phaseSince: Number(r.phase_since),
    startedAt: r.started_at === null ? null : Number(r.started_at),
    nextCaCertPem: r.next_ca_cert_pem,
    nextCaKeySealed: r.next_ca_key_sealed,
    crossPem: r.cross_pem,
    retiredCaCertPem: r.retired_ca_cert_pem,
    version: Number(r.version),
  };
}

export class CaRotationStore {
  constructor(
    private readonly engine: {
      read: SqlLike;
      transaction<T>(work: (sql: SqlLike) => Promise<T>): Promise<T>;
      /** PostgreSQL: the cluster row holds the CA's certificate and sealed key too. */
      clusterHoldsCa: boolean;
    },
  ) {}

  /** The rotation as stored (standby, version 0, when none was ever started). */
  async read(): Promise<CaRotationRow> {
    return rowFrom(await this.engine.read.get<RotationRecord>('SELECT * FROM ca_rotation WHERE singleton = 1'));
  }

  /** Writes `next` when the row is still at `expectedVersion`; false (nothing written) otherwise. */
  async write(expectedVersion: number, next: Omit<CaRotationRow, 'version'>, completed?: CompletedCa): Promise<boolean> {
    return this.engine.transaction(async (sql) => {
      const current = rowFrom(await sql.get<RotationRecord>('SELECT * FROM ca_rotation WHERE singleton = 1'));
      if (current.version !== expectedVersion) return false;
      const values = [
        next.phase,
        next.phaseSince,
        next.startedAt,
        next.nextCaCertPem,
        next.nextCaKeySealed,
        next.crossPem,
        next.retiredCaCertPem,
        expectedVersion + 1,
      ];
      await sql.run('DELETE FROM ca_rotation WHERE singleton = 1');
      await sql.run(
        'INSERT INTO ca_rotation (singleton, phase, phase_since, started_at, next_ca_cert_pem, next_ca_key_sealed, cross_pem, retired_ca_cert_pem, version) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)',
        values,
      );
      // A new phase: what nodes reported is judged again from their next heartbeats.
      if (next.phase === 'standby' || next.phase === 'init') await sql.run('DELETE FROM ca_rotation_nodes');
      if (completed !== undefined) {
        if (this.engine.clusterHoldsCa)
          await sql.run('UPDATE cluster SET ca_fingerprint = ?, ca_cert_pem = ?, ca_key_sealed = ? WHERE singleton = 1', [
            completed.fingerprint,
            completed.certPem,
            completed.keySealed,
          ]);
        else await sql.run('UPDATE cluster SET ca_fingerprint = ? WHERE singleton = 1', [completed.fingerprint]);
      }
      return true;
    });
  }

  /** Records what a node's heartbeat said (callers write only when it changed). */
  async recordNode(row: NodeTrustRow, at: number): Promise<void> {
    await this.engine.transaction((sql) =>
      sql.run(
        'INSERT INTO ca_rotation_nodes (node_id, trusted_fingerprints, leaf_ca_fingerprint, updated_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (node_id) DO UPDATE SET trusted_fingerprints = excluded.trusted_fingerprints, leaf_ca_fingerprint = excluded.leaf_ca_fingerprint, updated_at = excluded.updated_at',
        [row.nodeId, row.trustedFingerprints, row.leafCaFingerprint, at],
      ),
    );
  }

  /** What every node's heartbeats last said during this rotation. */
  async nodes(): Promise<NodeTrustRow[]> {
    const rows = await this.engine.read.all<{ node_id: string; trusted_fingerprints: string; leaf_ca_fingerprint: string }>(
      'SELECT node_id, trusted_fingerprints, leaf_ca_fingerprint FROM ca_rotation_nodes',
    );
    return rows.map((r) => ({ nodeId: r.node_id, trustedFingerprints: r.trusted_fingerprints, leafCaFingerprint: r.leaf_ca_fingerprint }));
  }
}
