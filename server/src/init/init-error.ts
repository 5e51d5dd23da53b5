/** A refusal to start; main prints the message and exits 1. */
export class InitError extends Error {
  override readonly name = 'InitError';
}
