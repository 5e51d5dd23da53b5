// How a failure leaves `otherix`. Every error a command throws is an OtherixError (the SDK's one
// error type: the API's codes and the local ones, 'usage' for a bad flag or argument), matched
// on `.code`, not instanceof, so two copies of a package never break the mapping; cac's own
// parse errors are usage errors too. The SDK's leaf subpaths keep --help free of its main entry.
import { isOtherixError } from '@otherix/sdk/errors';
import { escapeControlCharacters } from '@otherix/sdk/terminal-text';

export const EXIT_OK = 0;
const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

/** Whether an error is a usage error: the SDK's code 'usage', or cac's (unknown flag, missing value or argument). */
function isUsageError(error: unknown): boolean {
  return isOtherixError(error, 'usage') || (error instanceof Error && error.name === 'CACError');
}

/** The one line printed on stderr for an error, and the exit code that goes with it. */
export function describeFailure(error: unknown): { line: string; exitCode: number } {
  if (isUsageError(error)) {
    return { line: `error: usage: ${oneLine((error as Error).message)}`, exitCode: EXIT_USAGE };
  }
  // The code is a server's word too (before the pin holds, anyone at --cp-url answers): escaped like the message.
  const code = escapeControlCharacters(isOtherixError(error) ? error.code : 'internal');
  const message = error instanceof Error ? error.message : String(error);
  return { line: `error: ${code}: ${oneLine(message)}`, exitCode: EXIT_REFUSED };
}

/** One line, and nothing in it a terminal would obey: messages quote what servers and nodes wrote. */
function oneLine(text: string): string {
  return escapeControlCharacters(text.replace(/\s*\n\s*/g, ' ').trim());
}
