// cac matches a command on the first positional word only, so `node join-token create` is
// found here first: the leading words are folded into one argv entry equal to the command's
// registered name (spaces included), which cac then matches and shows in its help.

export type CommandWords =
  | { kind: 'command'; name: string; rest: string[] }
  | { kind: 'group'; name: string; rest: string[] }
  | { kind: 'unknown'; words: string[]; rest: string[] }
  | { kind: 'none'; rest: string[] };

export function resolveCommandWords(argv: string[], commandNames: string[], groupNames: string[]): CommandWords {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  for (let count = words.length; count > 0; count--) {
    const name = words.slice(0, count).join(' ');
    if (commandNames.includes(name)) return { kind: 'command', name, rest: argv.slice(count) };
  }
  for (let count = words.length; count > 0; count--) {
    const name = words.slice(0, count).join(' ');
    if (groupNames.includes(name)) {
      const rest = argv.slice(count);
      if (count < words.length) return { kind: 'unknown', words: words.slice(0, count + 1), rest };
      return { kind: 'group', name, rest };
    }
  }
  if (words.length > 0) return { kind: 'unknown', words: words.slice(0, 1), rest: argv.slice(1) };
  return { kind: 'none', rest: argv };
}
