// Crash injection for the first start, as the SDK's atomic writer has for its steps: when
// OTHERIX_TEST_CRASH_AT names a step, the CP exits with CRASH_EXIT_CODE right there, so a test
// can check that the next start completes. Unset in production.
import { CRASH_EXIT_CODE } from '@otherix/sdk';

export type FirstStartCrashStep =
  | 'first-start-begun' // cluster-id.incomplete written, nothing else
  | 'first-start-after-ca-key' // ca.key written, ca.crt not yet
  | 'first-start-after-ca' // the CA pair written, no database yet
  | 'first-start-after-database' // the database holds the cluster marker and the admin token's hash, admin.token not written
  | 'first-start-after-admin-token' // admin.token written, the CP's certificates not yet
  | 'first-start-after-certificates'; // everything written but cluster-id (the first start is not complete)

export const FIRST_START_CRASH_STEPS: readonly FirstStartCrashStep[] = Object.freeze([
  'first-start-begun', 'first-start-after-ca-key', 'first-start-after-ca', 'first-start-after-database',
  'first-start-after-admin-token', 'first-start-after-certificates',
] as const);

export function firstStartCrashPoint(step: FirstStartCrashStep): void {
  if (process.env['OTHERIX_TEST_CRASH_AT'] === step) process.exit(CRASH_EXIT_CODE);
}
