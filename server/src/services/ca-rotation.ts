// The CA rotation's rules (issue 19): an admin moves the phases (standby -> init ->
// update_clients -> update_servers -> standby, or rollback), the heartbeats tell who has caught
// up, and `next` refuses to leave a phase while a node that heartbeats lags, or while this CP has
// not applied the phase to its own certificates (ca-rotation-applied.ts), unless forced. The
// state is the database's (store/ca-rotation-store.ts), so every replica follows it: refresh()
// reads it again and builds the CaTrust (ca-trust.ts) the listener, the signers and the
// heartbeats use. The new CA's key is kept where the cluster's is (NextCaKeys: the data dir on
// SQLite, sealed in the database on PostgreSQL).
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { OtherixError, isOtherixError } from '@otherix/sdk';
import { nodeNameFromSpiffeId, sameTrust, uriSansOf } from '@otherix/sdk/pki';
import { HttpError } from '../errors.js';
import type { CaRotationRow, RotationPhase } from '../store/ca-rotation-store.js';
import type { NodeRow, Store } from '../store/store.js';
import { ClusterCa } from './ca.js';
import type { KeyPairPem } from './ca.js';
import { CaTrust } from './ca-trust.js';
import { PhaseApplication } from './ca-rotation-applied.js';
import type { ApplyFailure, ThisControlPlane } from './ca-rotation-applied.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS_FOR_NOT_READY } from './node-projection.js';

/** Where the rotation's new CA key is kept: beside the cluster's (init/ca-rotation-keys.ts). */
export interface NextCaKeys {
  /** Keeps a new CA's key; returns what the database row holds for it (a sealed key, or null when it is a file). */
  save(material: KeyPairPem): Promise<string | null>;
  /** The new CA's key, from the row or from where save() put it. */
  load(row: CaRotationRow): Promise<string>;
  /** After a completion committed: the new CA becomes the cluster's where the cluster's is kept (sealed: the key for the cluster row). */
  promote(material: KeyPairPem): Promise<void>;
  /** Seals a key for the cluster row (PostgreSQL); null where the key is a file. */
  sealForCluster(keyPem: string): string | null;
  /** After a rollback committed (or before a new start): forget the new CA's key. */
  discard(): Promise<void>;
}

/** Keeps the new CA's key in this process only (an embedded CP without a data dir; tests). */
export class MemoryCaKeys implements NextCaKeys {
  private keyPem: string | undefined;
  save(material: KeyPairPem): Promise<string | null> {
    this.keyPem = material.keyPem;
    return Promise.resolve(null);
  }
  load(): Promise<string> {
    if (this.keyPem === undefined) throw new HttpError('internal', 'the new CA key of this rotation is not in this process');
    return Promise.resolve(this.keyPem);
  }
  promote(): Promise<void> {
    return Promise.resolve();
  }
  sealForCluster(): string | null {
    return null;
  }
  discard(): Promise<void> {
    this.keyPem = undefined;
    return Promise.resolve();
  }
}

export type RotationTarget = 'next' | 'rollback';

/** A node that heartbeats and has not caught up with the phase. */
export interface Laggard {
  name: string;
  why: string;
}

export interface RotationStatus {
  phase: RotationPhase;
  since: number;
  startedAt: number | null;
  currentFingerprint: string;
  nextFingerprint: string | null;
  servingFingerprint: string;
  nodes: { heartbeating: number; trustNew: number; leafFromNew: number; leafFromCurrent: number };
  lagging: Laggard[];
  /** Whether this CP has applied the phase to its own certificates and TLS context (ca-rotation-applied.ts). */
  thisControlPlane: ThisControlPlane;
}

/** What one attempt to apply the current phase here did, for the plugin's log. */
export type ApplyOutcome = { ok: true; phase: RotationPhase } | { ok: false; phase: RotationPhase; failure: ApplyFailure };

const NEXT_PHASE: Record<RotationPhase, RotationPhase> = {
  standby: 'init',
  init: 'update_clients',
  update_clients: 'update_servers',
  update_servers: 'standby',
  rollback: 'standby',
};

export class CaRotationService {
  private state: CaTrust;
  private readonly listeners: Array<(trust: CaTrust) => Promise<void>> = [];
  private readonly outcomeListeners: Array<(outcome: ApplyOutcome) => void> = [];
  private readonly application: PhaseApplication;
  /** The applications of the trust to this CP, one after the other (a poll's retry and a move's never overlap). */
  private applying: Promise<unknown> = Promise.resolve();
  /** node id -> what its heartbeats last said, as written (only changes are written). */
  private readonly reported = new Map<string, string>();
  /** TLS socket -> the fingerprint of the CA that issued its client certificate (read once per connection). */
  private readonly leafCas = new WeakMap<object, string | undefined>();

  private constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly keys: NextCaKeys,
    initial: CaTrust,
  ) {
    this.state = initial;
    this.application = new PhaseApplication(initial.phase);
  }

  static async open(options: { store: Store; now: () => number; keys: NextCaKeys; current: ClusterCa }): Promise<CaRotationService> {
    const row = await options.store.caRotation.read();
    const trust = await trustFrom(row, options.current, options.keys);
    return new CaRotationService(options.store, options.now, options.keys, trust);
  }

  get trust(): CaTrust {
    return this.state;
  }

  /**
   * Hears every change of the trust and applies it to this CP (the listener's TLS context, the
   * CP's certificates). A listener that throws leaves the phase not applied here: the status says
   * why, follow() tries again, and `next` waits for it (unless forced).
   */
  onChange(listener: (trust: CaTrust) => Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Hears the outcome of every attempt to apply the phase here (the plugin logs the first failure and the recovery). */
  onApplyOutcome(listener: (outcome: ApplyOutcome) => void): void {
    this.outcomeListeners.push(listener);
  }

  /** Whether this CP has applied the current phase to itself, or why not. */
  get thisControlPlane(): ThisControlPlane {
    return this.application.current;
  }

  /** Reads the stored state again (another replica may have moved it); true when it changed. */
  async refresh(): Promise<boolean> {
    const row = await this.store.caRotation.read();
    if (row.version === this.state.version) return false;
    await this.adopt(await trustFrom(row, this.state.current, this.keys));
    return true;
  }

  /** Every poll: reads the state again, and applies the phase once more while this CP lags (its last attempt failed). */
  async follow(): Promise<void> {
    if (!(await this.refresh()) && !this.application.current.applied) await this.applyHere();
  }

  /** At a start in the middle of a rotation (or after one completed elsewhere): applies it before the CP listens. */
  applyAtStart(): Promise<void> {
    this.application.starting();
    return this.applyHere();
  }

  /**
   * Applies the current trust to this CP (at a start in the middle of a rotation, after a change,
   * or again while it lags). A failure does not undo the phase, which is committed: it is kept
   * for the status and retried by follow().
   */
  applyHere(): Promise<void> {
    const run = this.applying.then(() => this.applyNow());
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(): Promise<void> {
    const trust = this.state;
    let failed: { error: unknown } | undefined;
    try {
      for (const listener of this.listeners) await listener(trust);
    } catch (error) {
      failed = { error };
    }
    // A newer trust was read meanwhile: its own application (queued after this one) decides.
    if (trust !== this.state) return;
    let outcome: ApplyOutcome;
    if (failed === undefined) {
      this.application.succeeded(trust.phase);
      outcome = { ok: true, phase: trust.phase };
    } else outcome = { ok: false, phase: trust.phase, failure: this.application.failed(trust.phase, failed.error) };
    for (const listener of this.outcomeListeners) listener(outcome);
  }

  private async adopt(trust: CaTrust): Promise<void> {
    this.state = trust;
    this.reported.clear();
    this.application.pending();
    await this.applyHere();
  }

  /** The moves of this process, one after the other (see move). */
  private moving: Promise<unknown> = Promise.resolve();

  /**
   * Moves the rotation: `next` phase, or `rollback`. One move at a time in this process: a start
   * writes the new CA's files (ca-next.key, ca-next.crt) before its row, so two moves at once (two
   * admins, a retried request) would leave the row naming one new CA and the files holding
   * another, which no start can read. Across replicas the row's version refuses the later one.
   */
  move(target: RotationTarget, options: { force: boolean }): Promise<RotationStatus> {
    const run = this.moving.then(() => this.moveNow(target, options));
    this.moving = run.catch(() => undefined);
    return run;
  }

  private async moveNow(target: RotationTarget, options: { force: boolean }): Promise<RotationStatus> {
    // follow(), not refresh(): a CP that lags tries once more first (the space may be free by now).
    await this.follow();
    const trust = this.state;
    const row = await this.store.caRotation.read();
    const now = this.now();
    if (target === 'rollback') {
      if (!trust.rotating || trust.phase === 'rollback')
        throw new HttpError('conflict', `no rotation to roll back: the phase is ${trust.phase}; \`otherix ca rotation status\` shows it`);
      if (trust.phase === 'init') await this.finishRollback(row, now);
      else await this.write(row, rolledBack(row, now));
      return this.status();
    }
    const to = NEXT_PHASE[trust.phase];
    const here = this.application.current;
    if (!here.applied && !options.force) {
      throw new HttpError(
        'conflict',
        `this control plane has not applied phase ${trust.phase} yet: ${here.error?.message ?? 'it is applying it now; try again in a few seconds'}. \`next\` waits for it, or pass --force (this control plane then catches up with the next phase by itself once it can write its certificates)`,
        { phase: trust.phase, this_control_plane: { applied: false, error: here.error } },
      );
    }
    if (trust.phase !== 'standby') {
      const lagging = (await this.status()).lagging;
      if (lagging.length > 0 && !options.force) {
        const names = lagging.map((l) => `${l.name} (${l.why})`).join(', ');
        throw new HttpError(
          'conflict',
          `${lagging.length} node(s) that heartbeat have not caught up with phase ${trust.phase}: ${names}; wait for their next heartbeats (\`otherix ca rotation status\`), or pass --force (those nodes then need a re-bootstrap if they cannot catch up)`,
          { phase: trust.phase, lagging: lagging.map((l) => l.name) },
        );
      }
    }
    if (trust.phase === 'standby') await this.start(row, now);
    else if (trust.phase === 'rollback') await this.finishRollback(row, now);
    else if (to === 'standby') await this.complete(row, now);
    else await this.write(row, { ...rowOf(row), phase: to, phaseSince: now });
    return this.status();
  }

  private async start(row: CaRotationRow, now: number): Promise<void> {
    const { ca: next, material } = await ClusterCa.create(now);
    const current = this.state.current;
    const crossPem = (await current.crossCertify(next)) + (await next.crossCertify(current));
    await this.keys.discard();
    let written = false;
    try {
      const sealed = await this.keys.save(material);
      written = await this.store.caRotation.write(row.version, {
        phase: 'init',
        phaseSince: now,
        startedAt: now,
        nextCaCertPem: material.certPem,
        nextCaKeySealed: sealed,
        crossPem,
        retiredCaCertPem: row.retiredCaCertPem,
      });
    } finally {
      // A start that did not reach its row leaves no new CA behind (no key file that a backup carries or a start reads).
      if (!written) await this.keys.discard().catch(() => undefined);
    }
    if (!written) throw changedMeanwhile();
    await this.refresh();
  }

  private async complete(row: CaRotationRow, now: number): Promise<void> {
    const next = this.state.next!;
    const keyPem = await this.keys.load(row);
    const written = await this.store.caRotation.write(
      row.version,
      { ...rowOf(row), phase: 'standby', phaseSince: now, retiredCaCertPem: this.state.current.certPem },
      { fingerprint: next.fingerprint, certPem: next.certPem, keySealed: this.keys.sealForCluster(keyPem) },
    );
    if (!written) throw changedMeanwhile();
    await this.keys.promote({ certPem: next.certPem, keyPem });
    await this.adopt(new CaTrust(next, undefined, 'standby', row.crossPem ?? undefined, this.state.current.certPem, row.version + 1, now));
  }

  private async finishRollback(row: CaRotationRow, now: number): Promise<void> {
    await this.write(row, rolledBack(row, now));
    await this.keys.discard();
  }

  private async write(row: CaRotationRow, next: Omit<CaRotationRow, 'version'>): Promise<void> {
    if (!(await this.store.caRotation.write(row.version, next))) throw changedMeanwhile();
    await this.refresh();
  }

  /** The phase, since when, and how far the nodes that heartbeat are. */
  async status(): Promise<RotationStatus> {
    const trust = this.state;
    const reports = new Map((await this.store.caRotation.nodes()).map((r) => [r.nodeId, r]));
    const nodes = await this.heartbeatingNodes();
    const counts = { heartbeating: nodes.length, trustNew: 0, leafFromNew: 0, leafFromCurrent: 0 };
    const lagging: Laggard[] = [];
    const next = trust.next;
    for (const node of nodes) {
      const report = reports.get(node.id);
      const trusts = report?.trustedFingerprints.split(',') ?? [];
      const trustsNew = next !== undefined && trusts.includes(next.fingerprint);
      const leaf = report?.leafCaFingerprint;
      if (trustsNew) counts.trustNew += 1;
      if (next !== undefined && leaf === next.fingerprint) counts.leafFromNew += 1;
      if (leaf === trust.current.fingerprint) counts.leafFromCurrent += 1;
      if (!trust.rotating) continue;
      if (report === undefined) lagging.push({ name: node.name, why: 'no heartbeat heard in this rotation yet' });
      else if (trust.phase === 'rollback') {
        if (leaf !== trust.current.fingerprint) lagging.push({ name: node.name, why: 'still holds a certificate of the new CA' });
      } else if (!trustsNew) lagging.push({ name: node.name, why: 'does not trust the new CA yet' });
      else if (trust.phase !== 'init' && leaf !== next.fingerprint)
        lagging.push({ name: node.name, why: 'has not renewed to a certificate of the new CA yet' });
    }
    return {
      phase: trust.phase,
      since: trust.phaseSince,
      startedAt: trust.rotating ? (await this.store.caRotation.read()).startedAt : null,
      currentFingerprint: trust.current.fingerprint,
      nextFingerprint: next?.fingerprint ?? null,
      servingFingerprint: trust.serving.fingerprint,
      nodes: counts,
      lagging,
      thisControlPlane: this.application.current,
    };
  }

  /** Nodes whose last heartbeat is within the not_ready window: the ones a phase waits for. */
  private async heartbeatingNodes(): Promise<NodeRow[]> {
    const now = this.now();
    const rule = { now, missedIntervals: MISSED_HEARTBEATS_FOR_NOT_READY, defaultIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS };
    const found: NodeRow[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.nodes.list({ limit: 500, cursor, rule });
      for (const row of page.items) {
        const window = MISSED_HEARTBEATS_FOR_NOT_READY * (row.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
        if (row.lastHeartbeatAt !== null && row.lastHeartbeatAt + window >= now) found.push(row);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return found;
  }

  /** A connection that presented a node certificate of the CA a completed rotation retired: who, and what to do. */
  missedRotation(socket: TLSSocket): { nodeName: string; message: string } | undefined {
    const trust = this.state;
    if (trust.retiredPem === undefined || typeof socket.getPeerCertificate !== 'function') return undefined;
    const raw = socket.getPeerCertificate(false)?.raw;
    if (raw === undefined) return undefined;
    const cert = new X509Certificate(raw);
    if (!trust.isRetired(cert)) return undefined;
    const nodeName =
      uriSansOf(cert)
        .map(nodeNameFromSpiffeId)
        .find((n): n is string => n !== null) ?? '<name>';
    return {
      nodeName,
      message: `node ${nodeName} presented a certificate of the cluster CA ${trust.retiredFingerprint ?? ''}, which a CA rotation retired while the node was away: it must re-bootstrap with a join token bound to it (\`otherix node join-token create --node-name ${nodeName}\`, then \`otherix-agent bootstrap --force\` on the host with the fingerprint ${trust.current.fingerprint})`,
    };
  }

  /** Nodes whose renewal this phase already exempted from the spacing. */
  private exempted = new Set<string>();
  private exemptedAt = -1;

  /**
   * Whether a renewal is one the rotation asked for: the presented certificate is from the CA
   * that does not sign now. Once per node and phase (a node that keeps presenting the old one is
   * held to the spacing again).
   */
  exemptRenewal(node: { nodeId: string }, socket: TLSSocket): boolean {
    const trust = this.state;
    if (!trust.rotating && trust.retiredPem === undefined) return false;
    if (this.exemptedAt !== trust.version) {
      this.exempted = new Set();
      this.exemptedAt = trust.version;
    }
    if (this.exempted.has(node.nodeId)) return false;
    const raw = socket.getPeerCertificate(false)?.raw;
    if (raw === undefined) return false;
    const issuer = trust.issuerOf(new X509Certificate(raw));
    if (issuer === undefined || issuer.fingerprint === trust.signing.fingerprint) return false;
    this.exempted.add(node.nodeId);
    return true;
  }

  /**
   * A heartbeat's part in the rotation: notes what the node trusts and the CA of its certificate
   * (written only when it changed), and answers the bundle when the node's differs and whether
   * it should renew now.
   */
  async heartbeat(
    node: { nodeId: string },
    socketKey: object,
    peer: () => PeerCertificate | undefined,
    reportedFingerprints: readonly string[] | undefined,
  ): Promise<{ ca_bundle_pem?: string; renew_now?: boolean }> {
    const trust = this.state;
    const answer: { ca_bundle_pem?: string; renew_now?: boolean } = {};
    if (reportedFingerprints !== undefined && !sameTrust(reportedFingerprints, trust.fingerprints)) answer.ca_bundle_pem = trust.bundlePem;
    // Outside a rotation nothing more: no certificate is parsed on the heartbeat's path.
    if (!trust.rotating) return answer;
    if (!this.leafCas.has(socketKey)) {
      const raw = peer()?.raw;
      this.leafCas.set(socketKey, raw === undefined ? undefined : trust.issuerOf(new X509Certificate(raw))?.fingerprint);
    }
    const leafCa = this.leafCas.get(socketKey);
    if (leafCa !== undefined && leafCa !== trust.signing.fingerprint) answer.renew_now = true;
    if (leafCa !== undefined && reportedFingerprints !== undefined) {
      const said = `${[...reportedFingerprints].sort().join(',')}|${leafCa}`;
      if (this.reported.get(node.nodeId) !== said) {
        await this.store.caRotation.recordNode(
          { nodeId: node.nodeId, trustedFingerprints: [...reportedFingerprints].sort().join(','), leafCaFingerprint: leafCa },
          this.now(),
        );
        this.reported.set(node.nodeId, said);
      }
    }
    return answer;
  }
}

/**
 * The row a rollback writes, whoever asks (`otherix ca rotation rollback`, or `otherix-server
 * rollback-ca-rotation` on a stopped CP whose ca-next.key is lost): from init (nothing the new CA
 * signed is in use) and from the phase rollback (the nodes renewed back) straight to standby, the
 * new CA forgotten; from update_clients and update_servers to the phase rollback, where the old CA
 * signs and serves again while both stay trusted and the nodes renew back. Neither needs the new
 * CA's key (trustFrom). The caller discards the new CA's key once a standby row committed.
 */
export function rolledBack(row: CaRotationRow, now: number): Omit<CaRotationRow, 'version'> {
  if (row.phase === 'update_clients' || row.phase === 'update_servers') return { ...rowOf(row), phase: 'rollback', phaseSince: now };
  return {
    phase: 'standby',
    phaseSince: now,
    startedAt: null,
    nextCaCertPem: null,
    nextCaKeySealed: null,
    crossPem: null,
    retiredCaCertPem: row.retiredCaCertPem,
  };
}

function rowOf(row: CaRotationRow): Omit<CaRotationRow, 'version'> {
  const { version: _version, ...rest } = row;
  return rest;
}

function changedMeanwhile(): HttpError {
  return new HttpError(
    'conflict',
    'the CA rotation changed meanwhile (another admin or replica moved it): read `otherix ca rotation status` and try again',
  );
}

/** The trust a stored row describes, `current` being the cluster CA this process knows. */
async function trustFrom(row: CaRotationRow, current: ClusterCa, keys: NextCaKeys): Promise<CaTrust> {
  let cluster = current;
  let next: ClusterCa | undefined;
  const nextFingerprint = row.nextCaCertPem === null ? undefined : new X509Certificate(row.nextCaCertPem).fingerprint256;
  if (row.nextCaCertPem !== null && row.phase === 'rollback') {
    // Rolling back, only the old CA signs: the new one is trusted (nodes may still hold its leaves)
    // by its certificate alone, so a rollback goes through when ca-next.key was lost.
    next = ClusterCa.certificateOnly(row.nextCaCertPem);
  } else if (row.nextCaCertPem !== null && nextFingerprint !== new X509Certificate(current.certPem).fingerprint256) {
    let keyPem: string;
    try {
      keyPem = await keys.load(row);
    } catch (error) {
      if (isOtherixError(error)) throw error;
      throw new OtherixError(
        'data_dir_invalid',
        `the CA rotation (phase ${row.phase}) needs its new CA's key, which cannot be read (${(error as { code?: string }).code ?? (error as Error).message}): restore ca-next.key and ca-next.crt into the data dir from the backup taken with this database (mode 0600 for the key)`,
        { cause: error },
      );
    }
    const ca = ClusterCa.fromPem({ certPem: row.nextCaCertPem, keyPem });
    // A completed rotation (by another replica): the new CA is the cluster's now.
    if (row.phase === 'standby') cluster = ca;
    else next = ca;
  }
  return new CaTrust(cluster, next, row.phase, row.crossPem ?? undefined, row.retiredCaCertPem ?? undefined, row.version, row.phaseSince);
}
