// The part of the bash and zsh scripts that is the same in both shells' syntax: which command
// paths exist, and the walk over the words typed before the cursor that finds the command path
// (skipping flags, and the value of a flag that takes one, wherever they stand) or the flag whose
// value is being typed. bash.ts and zsh.ts wrap it in their own completion function.
import { singleQuoted, type CompletionTree } from './tree.js';

/** `_otherix_is_path PATH`: true when PATH is a command path of the table. */
export function isPathFunction(tree: CompletionTree): string {
  const paths = tree.paths
    .filter((path) => path.path !== '')
    .map((path) => singleQuoted(path.path))
    .join('|');
  return `_otherix_is_path() {
  case "$1" in
    (${paths}) return 0 ;;
  esac
  return 1
}`;
}

/**
 * Sets `command_path` (the command words, space-separated) and `flag` (a flag still waiting for
 * its value, else empty) from the words `wordsExpression` expands to; then, when `flag` is set,
 * runs `valueCases` (the shell's `case` arms for each flag's value) and returns.
 */
export function walkTypedWords(tree: CompletionTree, wordsExpression: string, valueCases: string[]): string {
  const valueFlags = tree.valueFlags.map((flag) => flag.name).join('|');
  return `  local command_path='' flag='' word
  for word in ${wordsExpression}; do
    if [[ -n "$flag" ]]; then flag=''; continue; fi
    case "$word" in
      (${valueFlags}) flag="$word" ;;
      (-*) ;;
      (*) if _otherix_is_path "\${command_path:+$command_path }$word"; then command_path="\${command_path:+$command_path }$word"; fi ;;
    esac
  done
  if [[ -n "$flag" ]]; then
    case "$flag" in
${valueCases.join('\n')}
    esac
    return 0
  fi`;
}
