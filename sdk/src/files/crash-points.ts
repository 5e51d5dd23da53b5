// Crash injection for tests: when OTHERIX_TEST_CRASH_AT names a step, the writer exits the
// process with status 99 right there, so a test can run a child process and check that what
// is left on disk is the old state or the new one, never a mix. Unset in production.
export const CRASH_EXIT_CODE = 99;

export type CrashStep =
  | 'after-temp-file' // writeFileAtomic: temp file written and fsynced, not yet renamed
  | 'during-generation' // writeFileSetAtomic: first file of the new generation written
  | 'after-generation' // every file of the new generation written and fsynced
  | 'after-links' // visible names linked to ..data/<name>, ..data not switched yet
  | 'after-temp-link' // temp ..data symlink created, not yet renamed over ..data
  | 'after-switch' // ..data points at the new generation, old one not removed yet
  | 'after-cleanup'; // old generations removed

export const CRASH_STEPS: readonly CrashStep[] = Object.freeze([
  'after-temp-file', 'during-generation', 'after-generation', 'after-links', 'after-temp-link', 'after-switch', 'after-cleanup',
] as const);

export function crashPoint(step: CrashStep): void {
  if (process.env['OTHERIX_TEST_CRASH_AT'] === step) process.exit(CRASH_EXIT_CODE);
}
