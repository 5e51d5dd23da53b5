// The steps of a first start, between which a CP killed at that moment must leave a data dir the
// next start completes. Each is passed to the SDK's write-step observer (none is installed in
// production; the tests install one that exits there: test/harness/crash-hook.ts).
import { passWriteStep } from '@otherix/sdk/internal';

export type FirstStartStep =
  | 'first-start-begun' // cluster-id.incomplete written, nothing else
  | 'first-start-after-ca-key' // ca.key written, ca.crt not yet
  | 'first-start-after-ca' // the CA pair written, no database yet
  | 'first-start-after-database' // the database holds the cluster marker and the admin token's hash, admin.token not written
  | 'first-start-after-admin-token' // admin.token written, the CP's certificates not yet
  | 'first-start-after-certificates'; // everything written but cluster-id (the first start is not complete)

export const FIRST_START_STEPS: readonly FirstStartStep[] = Object.freeze([
  'first-start-begun',
  'first-start-after-ca-key',
  'first-start-after-ca',
  'first-start-after-database',
  'first-start-after-admin-token',
  'first-start-after-certificates',
] as const);

export function firstStartStep(step: FirstStartStep): void {
  passWriteStep(step);
}
