// What a completion script offers, read from the command table (never a list kept by hand): at
// each command path (``, `node`, `node join-token`, `node join-token create`), the words that go
// on from it, the flags it takes, and its positional's values; and, for every flag that takes a
// value, what that value may be (a choice, a file, or anything). The three shells' scripts
// (bash.ts, zsh.ts, fish.ts) are written from this alone.
import { OtherixError } from '@otherix/sdk/errors';
import type { FlagSpec, FlagSpecs } from '@otherix/sdk/argv';

/** The command table, as the completion scripts read it (command-table.ts gives it). */
export interface CompletionSource {
  commands: readonly { name: string; description: string; argChoices?: readonly string[]; flags: FlagSpecs }[];
  /** Words that start commands but are not commands (`node`, `node join-token`). */
  groups: readonly string[];
  /** Flags every command takes. */
  connectionFlags: FlagSpecs;
}

export interface CompletionFlag {
  /** `--output` */
  name: string;
  description: string;
  /** `none`: a switch; `file`: a path; `choice`: one of `choices`; `free`: anything. */
  value: 'none' | 'file' | 'choice' | 'free';
  choices: readonly string[];
}

export interface CompletionWord {
  word: string;
  description: string;
}

export interface CompletionPath {
  /** The command words typed so far, space-separated; `` at the start. */
  path: string;
  /** Words that continue the path (subcommands). */
  next: CompletionWord[];
  flags: CompletionFlag[];
  /** Values of the command's positional, when they are a fixed list. */
  args: readonly string[];
}

export interface CompletionTree {
  paths: CompletionPath[];
  /** Every flag that takes a value, once by name. */
  valueFlags: CompletionFlag[];
}

const HELP: CompletionFlag = { name: '--help', description: 'Display the help', value: 'none', choices: [] };
const VERSION: CompletionFlag = { name: '--version', description: 'Display the version number', value: 'none', choices: [] };

function completionFlag(spec: FlagSpec): CompletionFlag {
  const [name, placeholder] = spec.flag.split(' ');
  const base = { name: name, description: spec.description };
  if (spec.kind.type === 'switch') return { ...base, value: 'none', choices: [] };
  if (spec.kind.type === 'choice') return { ...base, value: 'choice', choices: spec.kind.choices };
  return { ...base, value: placeholder === '<file>' ? 'file' : 'free', choices: [] };
}

export function completionTree(source: CompletionSource): CompletionTree {
  const connection = Object.values(source.connectionFlags).map(completionFlag);
  const isGroup = new Set(source.groups);
  const paths = new Map<string, CompletionPath>();
  const at = (path: string): CompletionPath => {
    let found = paths.get(path);
    if (found === undefined) {
      found = { path, next: [], flags: [HELP], args: [] };
      paths.set(path, found);
    }
    return found;
  };
  at('').flags.push(...connection, VERSION);
  for (const command of source.commands) {
    const words = command.name.split(' ');
    words.forEach((word, i) => {
      const parent = at(words.slice(0, i).join(' '));
      const path = words.slice(0, i + 1).join(' ');
      if (parent.next.some((next) => next.word === word)) return;
      const members = source.commands
        .filter((other) => other.name.startsWith(`${path} `))
        .map((other) => other.name.slice(path.length + 1));
      parent.next.push({ word, description: isGroup.has(path) ? `Commands: ${members.join(', ')}` : command.description });
    });
    const leaf = at(command.name);
    leaf.flags.push(...Object.values(command.flags).map(completionFlag), ...connection);
    leaf.args = command.argChoices ?? [];
  }
  // One value rule per flag name: a script finds a value's candidates by the flag alone.
  const valueFlags = new Map<string, CompletionFlag>();
  for (const flag of [...paths.values()].flatMap((path) => path.flags).filter((f) => f.value !== 'none')) {
    const seen = valueFlags.get(flag.name);
    if (seen !== undefined && (seen.value !== flag.value || seen.choices.join(' ') !== flag.choices.join(' '))) {
      throw new OtherixError(
        'internal',
        `the command table gives ${flag.name} two kinds of value: a completion script could not tell which`,
      );
    }
    valueFlags.set(flag.name, flag);
  }
  return { paths: [...paths.values()], valueFlags: [...valueFlags.values()] };
}

/** A word the shell reads back as written: in single quotes, a quote inside as '\''. */
export function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
