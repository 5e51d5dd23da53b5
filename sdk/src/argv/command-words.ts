// cac matches a command on the first positional word only, so `node join-token create` is
// found here first: the command words are folded into one argv entry equal to the command's
// registered name (spaces included), which cac then matches and shows in its help. The words
// may come after flags (`otherix --output json node list`, as kubectl allows): a word is any
// argument that is neither a flag nor the value of a flag that takes one.

export type CommandWords =
  | { kind: 'command'; name: string; rest: string[] }
  | { kind: 'group'; name: string; rest: string[] }
  | { kind: 'unknown'; words: string[]; rest: string[] }
  | { kind: 'none'; rest: string[] };

/**
 * `valueFlags`: the flags that take a value as the next argument (`--output`), so that value is
 * not read as a word. Everything after `--` is positional and never a command word.
 */
export function resolveCommandWords(
  argv: string[],
  commandNames: string[],
  groupNames: string[],
  valueFlags: ReadonlySet<string> = new Set(),
): CommandWords {
  const positions: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (!arg.includes('=') && valueFlags.has(arg)) i++;
      continue;
    }
    positions.push(i);
  }
  const words = positions.map((i) => argv[i]);
  /** argv without its first `count` words, everything else in its order. */
  const restAfter = (count: number): string[] => {
    const taken = new Set(positions.slice(0, count));
    return argv.filter((_, i) => !taken.has(i));
  };
  for (let count = words.length; count > 0; count--) {
    const name = words.slice(0, count).join(' ');
    if (commandNames.includes(name)) return { kind: 'command', name, rest: restAfter(count) };
  }
  for (let count = words.length; count > 0; count--) {
    const name = words.slice(0, count).join(' ');
    if (groupNames.includes(name)) {
      const rest = restAfter(count);
      if (count < words.length) return { kind: 'unknown', words: words.slice(0, count + 1), rest };
      return { kind: 'group', name, rest };
    }
  }
  if (words.length > 0) return { kind: 'unknown', words: words.slice(0, 1), rest: restAfter(1) };
  return { kind: 'none', rest: argv };
}
