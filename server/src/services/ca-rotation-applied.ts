// Whether THIS control plane has applied the CA rotation's current phase to itself: its own
// certificates (server.crt from the phase's serving CA, client.crt from its signing CA) and its
// listener's TLS context. A phase is committed in the database first (on PostgreSQL every replica
// follows it), then each CP applies it; writing the new certificates can fail (a full disk), and
// then the phase stands while this CP lags: the status says so, the CP retries at every poll
// (CaRotationService.follow), and `next` waits for it unless forced (openapi.yaml CaRotation).
import { isOtherixError } from '@otherix/sdk';
import type { RotationPhase } from '../store/ca-rotation-store.js';
import { resourceKindOf } from './resource-alarm.js';

export interface ApplyFailure {
  code: string;
  message: string;
}

export interface ThisControlPlane {
  /** The current phase is applied here (its certificates and TLS context). */
  applied: boolean;
  /** The last phase this CP applied in full since it started; null when none has been yet. */
  appliedPhase: RotationPhase | null;
  /** Why the last attempt to apply the current phase failed; null when applied or still applying. */
  error: ApplyFailure | null;
}

export class PhaseApplication {
  private state: ThisControlPlane;

  /** `phase`: the phase this process started in, applied until a change is read (see CaRotationService.open). */
  constructor(phase: RotationPhase) {
    this.state = { applied: true, appliedPhase: phase, error: null };
  }

  get current(): ThisControlPlane {
    return this.state;
  }

  /** A start in the middle of a rotation: nothing of it applied yet in this process. */
  starting(): void {
    this.state = { applied: false, appliedPhase: null, error: null };
  }

  /** A new phase was read: it is being applied (not applied yet, no error yet). */
  pending(): void {
    this.state = { ...this.state, applied: false, error: null };
  }

  succeeded(phase: RotationPhase): void {
    this.state = { applied: true, appliedPhase: phase, error: null };
  }

  failed(phase: RotationPhase, error: unknown): ApplyFailure {
    const failure = describe(phase, error);
    this.state = { ...this.state, applied: false, error: failure };
    return failure;
  }
}

/** What happened, what it means and what to do, for the status and the log (no key material: the causes are file errors). */
function describe(phase: RotationPhase, error: unknown): ApplyFailure {
  const code = isOtherixError(error) ? error.code : 'internal';
  const cause = error instanceof Error ? error.message : String(error);
  const fix =
    resourceKindOf(error) === 'disk_full'
      ? 'free space on the filesystem of its data dir (df -h <data dir>)'
      : 'fix the cause above (the data dir must be writable by otherix-server)';
  return {
    code,
    message: `this control plane could not move its own certificates to phase ${phase} (${cause}): it keeps its previous certificates and retries by itself every few seconds; ${fix}, then \`otherix ca rotation status\` shows it applied`,
  };
}
