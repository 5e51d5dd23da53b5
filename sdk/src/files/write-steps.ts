// Named steps of the atomic writers (and of the CP's first start, which names its own): the
// points where a process killed between two writes must leave a state the next run recovers
// from. A program may install one observer that hears each step as it is passed; the packages
// install none, so passing a step costs one comparison and does nothing else. The test suite
// installs one through `node --import` (test/harness/crash-hook.ts) that exits the process at a
// chosen step, which is how it proves kill -9 at each step is recoverable.
export type WriteStep =
  | 'after-temp-file' // writeFileAtomic: temp file written and fsynced, not yet renamed
  | 'during-generation' // writeFileSetAtomic: first file of the new generation written
  | 'after-generation' // every file of the new generation written and fsynced
  | 'after-links' // visible names linked to ..data/<name>, ..data not switched yet
  | 'after-temp-link' // temp ..data symlink created, not yet renamed over ..data
  | 'after-switch' // ..data points at the new generation, old one not removed yet
  | 'after-cleanup'; // old generations removed

/** The atomic writers' steps, in the order a set write passes them ('after-temp-file' is writeFileAtomic's). */
export const WRITE_STEPS: readonly WriteStep[] = Object.freeze([
  'after-temp-file',
  'during-generation',
  'after-generation',
  'after-links',
  'after-temp-link',
  'after-switch',
  'after-cleanup',
] as const);

/** Hears each step a writer passes; it may end the process there, nothing else. */
export type WriteStepObserver = (step: string) => void;

let observer: WriteStepObserver | undefined;

/** Installs (or with undefined removes) the one observer of write steps in this process. */
export function observeWriteSteps(next: WriteStepObserver | undefined): void {
  observer = next;
}

/** Tells the observer, if any, that `step` was reached. */
export function passWriteStep(step: string): void {
  observer?.(step);
}
