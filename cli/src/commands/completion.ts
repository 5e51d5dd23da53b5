// otherix completion bash|zsh|fish: the shell's completion script, written from the command
// table (the words, flags and values every command takes), so it never drifts from the CLI.
import { OtherixError } from '@otherix/sdk';
import type { CommandInput } from '../command-flags.js';
import { print } from '../output.js';
import { bashCompletion } from '../render/completion/bash.js';
import { fishCompletion } from '../render/completion/fish.js';
import { completionTree } from '../render/completion/tree.js';
import { zshCompletion } from '../render/completion/zsh.js';

/** One writer per shell the table's `completion <shell>` offers. */
const WRITERS: Readonly<Record<string, typeof bashCompletion>> = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };

export async function run(input: CommandInput<Record<string, never>>): Promise<void> {
  const shell = input.args[0] ?? '';
  const write = Object.hasOwn(WRITERS, shell) ? WRITERS[shell] : undefined;
  if (write === undefined)
    throw new OtherixError('usage', `no completion for the shell ${JSON.stringify(shell)}: give ${Object.keys(WRITERS).join(', ')}`);
  print(write(completionTree(input.table)));
}
