// How a failure leaves the process: one line `error: <code>: <message>` on stderr, exit 2 for
// usage, 1 for everything else; never a stack trace. Messages come from the SDK, which never
// puts a token or key in them.
import { escapeControlCharacters, isOtherixError } from '@otherix/sdk';

export const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

export function describeFailure(error: unknown): { line: string; exitCode: number } {
  const failure = describeRaw(error);
  // Messages quote what a CP or an operator wrote: nothing in them reaches the terminal raw.
  return { line: escapeControlCharacters(failure.line), exitCode: failure.exitCode };
}

function describeRaw(error: unknown): { line: string; exitCode: number } {
  if (isOtherixError(error)) {
    return { line: `error: ${error.code}: ${error.message}`, exitCode: error.code === 'usage' ? EXIT_USAGE : EXIT_FAILURE };
  }
  // cac's own parse errors (unknown option, missing value) are usage errors.
  if (error instanceof Error && error.name === 'CACError') {
    return { line: `error: usage: ${error.message}: run \`otherix-agent --help\``, exitCode: EXIT_USAGE };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { line: `error: internal: ${message}`, exitCode: EXIT_FAILURE };
}
