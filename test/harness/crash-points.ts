// Crash injection for the tests: a child process started with crashAtEnv(step) in its environment
// exits with CRASH_EXIT_CODE when its writer reaches `step` (crash-hook.ts, loaded by --import);
// one started with stopAtEnv(step) stops itself there (SIGSTOP), and processes.ts's waitUntilStopped sees it.
export { WRITE_STEPS as CRASH_STEPS } from '@otherix/sdk/internal';
export type { WriteStep as CrashStep } from '@otherix/sdk/internal';

export const CRASH_EXIT_CODE = 99;

const HOOK = new URL('./crash-hook.js', import.meta.url).href;

/** Environment for a child that must die at `step`: the hook in NODE_OPTIONS, the step to die at. */
export function crashAtEnv(step: string): Record<string, string> {
  return { NODE_OPTIONS: withHook(), OTHERIX_TEST_CRASH_AT: step };
}

/** Environment for a child that must stop itself (SIGSTOP) at `step`, for the test to signal it there. */
export function stopAtEnv(step: string): Record<string, string> {
  return { NODE_OPTIONS: withHook(), OTHERIX_TEST_STOP_AT: step };
}

function withHook(): string {
  const inherited = process.env['NODE_OPTIONS'];
  return `${inherited ? `${inherited} ` : ''}--import=${HOOK}`;
}
