// CPU time of a process from /proc (Linux), split into its main thread (the event loop) and
// the rest (libuv's thread pool: async crypto, sqlite3; V8's GC helpers). On a shared 2-core
// machine, wall-clock rates move with whatever else runs; CPU milliseconds per operation, and
// whether the event loop was busy the whole time, say where the limit is.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux.

function ticksOf(statPath) {
  const stat = readFileSync(statPath, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** {mainMs, otherMs} spent so far by `pid`'s threads; undefined when /proc is not there. */
export function processCpu(pid) {
  try {
    let mainMs = 0;
    let otherMs = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let ms;
      try {
        ms = ticksOf(`/proc/${pid}/task/${tid}/stat`) * TICK_MS;
      } catch {
        continue; // the thread ended between the listing and the read
      }
      if (Number(tid) === pid) mainMs += ms;
      else otherMs += ms;
    }
    return { mainMs, otherMs };
  } catch {
    return undefined;
  }
}

/** Starts a CPU meter on `pid`; stop() returns the CPU spent and the wall time in between. */
export function cpuMeter(pid) {
  const before = processCpu(pid);
  const started = performance.now();
  return {
    stop() {
      const after = processCpu(pid);
      const wallMs = performance.now() - started;
      if (before === undefined || after === undefined) return undefined;
      // Threads that ended in between took their ticks with them: clamp at zero.
      return { wallMs, mainMs: after.mainMs - before.mainMs, otherMs: Math.max(0, after.otherMs - before.otherMs) };
    },
  };
}
