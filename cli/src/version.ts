// Kept in step with cli/package.json by hand (test/packaging/one-manner.test.ts checks it): reading
// package.json at start-up costs time.
export const CLI_VERSION = '0.1.0';

/** What `otherix version` and `otherix --version` print: `otherix <version>`, as the other binaries do. */
export function versionLine(): string {
  return `otherix ${CLI_VERSION}`;
}
