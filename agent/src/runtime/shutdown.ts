// SIGTERM/SIGINT end serve cleanly: the signal aborts the wait (State A) or the runtime
// (State B), whose stop() closes the server and the heartbeat connections; exit code 0.

/** How long after the signal a clean stop may take before the process exits anyway (seed: "within a few seconds"). */
const SHUTDOWN_DEADLINE_MS = 4_000;

interface ShutdownSignal {
  signal: AbortSignal;
  /** Resolves with the name of the signal that arrived. */
  requested: Promise<NodeJS.Signals>;
  /** Arms the deadline when serve ends without a signal (a failure). */
  finish(): void;
}

export function listenForShutdown(onSignal: (name: NodeJS.Signals) => void): ShutdownSignal {
  const controller = new AbortController();
  let resolveRequested!: (name: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((resolve) => (resolveRequested = resolve));
  // unref: the deadline fires only if something (a CP that never answers a heartbeat in
  // flight, a peer holding a connection open) still keeps the event loop alive by then.
  const armDeadline = (): void => {
    setTimeout(() => process.exit(process.exitCode ?? 0), SHUTDOWN_DEADLINE_MS).unref();
  };
  const handler = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    armDeadline();
    onSignal(name);
    resolveRequested(name);
    controller.abort();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    requested,
    // The handlers stay: a second signal during the stop is absorbed, not a kill by signal.
    finish() {
      if (!controller.signal.aborted) armDeadline();
    },
  };
}
