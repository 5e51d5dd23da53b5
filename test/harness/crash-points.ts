// Crash injection for the tests: a child process started with crashAtEnv(step) in its environment
// exits with CRASH_EXIT_CODE when its writer reaches `step` (crash-hook.ts, loaded by --import).
export { WRITE_STEPS as CRASH_STEPS } from '@otherix/sdk/internal';
export type { WriteStep as CrashStep } from '@otherix/sdk/internal';

export const CRASH_EXIT_CODE = 99;

const HOOK = new URL('./crash-hook.js', import.meta.url).href;

/** Environment for a child that must die at `step`: the hook in NODE_OPTIONS, the step to die at. */
export function crashAtEnv(step: string): Record<string, string> {
  const inherited = process.env['NODE_OPTIONS'];
  return { NODE_OPTIONS: `${inherited ? `${inherited} ` : ''}--import=${HOOK}`, OTHERIX_TEST_CRASH_AT: step };
}
