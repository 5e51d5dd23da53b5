// Kept in step with cli/package.json by hand: reading package.json at start-up costs time.
export const CLI_VERSION = '0.1.0';
