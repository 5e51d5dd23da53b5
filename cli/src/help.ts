import type { CommandSpec } from './command-flags.js';

/** Help for a word that groups commands (`otherix node`, `otherix node join-token`). */
export function groupHelp(group: string, commands: readonly CommandSpec[]): string {
  const members = commands.filter((command) => command.name.startsWith(`${group} `));
  const usage = (command: CommandSpec) => (command.args ? `${command.name} ${command.args}` : command.name);
  const width = Math.max(...members.map((command) => usage(command).length));
  return [
    `Usage:\n  $ otherix ${group} <command> [options]`,
    `Commands:\n${members.map((command) => `  ${usage(command).padEnd(width)}  ${command.description}`).join('\n')}`,
    `For more info, run any command with the \`--help\` flag:\n${members.map((command) => `  $ otherix ${command.name} --help`).join('\n')}`,
  ].join('\n\n');
}
