// Flag values read word for word from argv, shared by both binaries. cac (mri) turns
// number-like strings into numbers (`--node-name 007` would become 7, `''` would become 0) and
// a repeated flag into an array, so string flags are read back from argv instead.
import { OtherixError } from '../errors.js';

/**
 * The verbatim text of `--<flag> value` or `--<flag>=value` in `argv` (anything after `--` is
 * not a flag), or undefined when absent. A missing or empty value, or the flag given twice, is
 * an OtherixError 'usage' (exit 2): a single-valued flag has one meaning, so it is given once.
 */
export function verbatimFlagValue(argv: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--') break;
    let found: string | undefined;
    if (arg.startsWith(`--${flag}=`)) found = arg.slice(flag.length + 3);
    else if (arg === `--${flag}`) {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('-')) throw new OtherixError('usage', `--${flag} needs a value`);
      found = next;
      index++;
    } else continue;
    if (value !== undefined) throw new OtherixError('usage', `--${flag} given twice: give it once`);
    if (found === '') throw new OtherixError('usage', `--${flag} is empty: give it a value, or leave the flag out`);
    value = found;
  }
  return value;
}
