// The agent's RSS budget in State B is 80 MiB (SPEC §7). undici parses HTTP with llhttp compiled
// to WebAssembly; about a second after the first request, V8 re-compiles that module with its
// optimizing tier in the background, and the compiler's scratch memory stays resident: about
// 10 MiB, measured in one start out of two. The baseline tier (Liftoff) is plenty for a
// heartbeat every few seconds, so serve pins WebAssembly to it before the first connection.
import { setFlagsFromString } from 'node:v8';

export function keepWasmOnBaselineTier(): void {
  setFlagsFromString('--liftoff-only');
}
