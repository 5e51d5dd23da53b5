// `@otherix/sdk/argv`: what both cac binaries (otherix, otherix-agent) need around cac, in one
// place with its own tests (test/sdk-argv.test.ts). Leaf modules only (errors, durations): the
// CLI loads this for --help, which must stay fast.
export { resolveCommandWords } from './command-words.js';
export type { CommandWords } from './command-words.js';
export { verbatimFlagValue } from './flag-values.js';
export { flagSpec, readFlags, refuseNegativeValues, valueFlags } from './flags.js';
export type { FlagKind, FlagSpec, FlagSpecs, FlagValues } from './flags.js';
