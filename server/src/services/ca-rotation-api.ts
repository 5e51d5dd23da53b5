// The CA rotation's status as the API shows it (openapi.yaml CaRotation).
import type { components } from '@otherix/sdk';
import type { RotationStatus } from './ca-rotation.js';
import { isoTimestamp } from '../timestamps.js';

export function rotationToApi(status: RotationStatus): components['schemas']['CaRotation'] {
  return {
    phase: status.phase,
    since: status.since === 0 ? null : isoTimestamp(status.since),
    started_at: status.startedAt === null ? null : isoTimestamp(status.startedAt),
    ca_fingerprint: status.currentFingerprint,
    new_ca_fingerprint: status.nextFingerprint,
    serving_ca_fingerprint: status.servingFingerprint,
    nodes: {
      heartbeating: status.nodes.heartbeating,
      trust_new_ca: status.nodes.trustNew,
      leaf_from_new_ca: status.nodes.leafFromNew,
      leaf_from_current_ca: status.nodes.leafFromCurrent,
    },
    lagging: status.lagging.map((l) => ({ node_name: l.name, reason: l.why })),
    this_control_plane: {
      applied: status.thisControlPlane.applied,
      applied_phase: status.thisControlPlane.appliedPhase,
      error: status.thisControlPlane.error,
    },
  };
}
