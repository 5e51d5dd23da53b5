// SIGTERM/SIGINT end serve cleanly: the signal aborts the wait (State A) or the runtime
// (State B), whose stop() closes the server and the heartbeat connections; exit code 0.

/** How long a clean stop may take before the process exits anyway (seed: "within a few seconds"). */
export const SHUTDOWN_DEADLINE_MS = 4_000;

export interface ShutdownSignal {
  signal: AbortSignal;
  /** Resolves with the name of the signal that arrived. */
  requested: Promise<NodeJS.Signals>;
  /** Removes the handlers and arms a deadline in case a handle keeps the loop alive. */
  finish(): void;
}

export function listenForShutdown(onSignal: (name: NodeJS.Signals) => void): ShutdownSignal {
  const controller = new AbortController();
  let resolveRequested!: (name: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((resolve) => (resolveRequested = resolve));
  const handler = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    onSignal(name);
    resolveRequested(name);
    controller.abort();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    requested,
    finish() {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
      // unref: the deadline fires only if something (a socket a peer holds open) still keeps
      // the event loop alive after everything was closed.
      setTimeout(() => process.exit(process.exitCode ?? 0), SHUTDOWN_DEADLINE_MS).unref();
    },
  };
}
