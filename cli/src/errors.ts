// The CLI's own errors. Everything else comes from the SDK (OtherixError/OtherixApiError) and is
// matched on `.code`, not instanceof, so two copies of a package never break the mapping.
// The terminal-text subpath is a leaf module: --help stays free of the SDK's main entry.
import { escapeControlCharacters } from '@otherix/sdk/terminal-text';

/** Bad or conflicting flags, a bad value, a missing argument: exit 2. */
export class UsageError extends Error {
  readonly code = 'usage' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

/** Whether an error is a usage error: ours, cac's (unknown flag, missing value or argument), or the SDK's. */
export function isUsageError(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  if (error instanceof Error && error.name === 'CACError') return true;
  // The SDK reports bad or conflicting settings (two token sources, ...) with code 'usage'.
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'usage';
}

/** The one line printed on stderr for an error, and the exit code that goes with it. */
export function describeFailure(error: unknown): { line: string; exitCode: number } {
  if (isUsageError(error)) {
    return { line: `error: usage: ${oneLine((error as Error).message)}`, exitCode: EXIT_USAGE };
  }
  // The code is a server's word too (before the pin holds, anyone at --cp-url answers): escaped like the message.
  const code = escapeControlCharacters(errorCode(error));
  const message = error instanceof Error ? error.message : String(error);
  return { line: `error: ${code}: ${oneLine(message)}`, exitCode: EXIT_REFUSED };
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
  }
  return 'internal';
}

/** One line, and nothing in it a terminal would obey: messages quote what servers and nodes wrote. */
function oneLine(text: string): string {
  return escapeControlCharacters(text.replace(/\s*\n\s*/g, ' ').trim());
}
