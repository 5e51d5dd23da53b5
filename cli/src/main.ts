#!/usr/bin/env node
// The `otherix` binary: cac over the command table. Errors are handled once, here: usage
// errors exit 2, refusals and failures exit 1, always one line on stderr, never a stack trace.
// What cac needs around it (command words of several words, given before or after flags, flag
// values word for word, negative numbers) is the SDK's argv module, shared with otherix-agent:
// each command's run() gets its flags read and typed.
import { cac } from 'cac';
import type { CAC } from 'cac';
import { OtherixError } from '@otherix/sdk/errors';
import { readFlags, refuseNegativeValues, resolveCommandWords, valueFlags } from '@otherix/sdk/argv';
import { COMMANDS, COMMAND_GROUPS } from './command-table.js';
import { CONNECTION_FLAGS } from './command-flags.js';
import type { CommandSpec, CommandTable } from './command-flags.js';
import { groupHelp } from './help.js';
import { EXIT_OK, EXIT_USAGE, describeFailure } from './errors.js';
import { CLI_VERSION, versionLine } from './version.js';

function buildCli(rest: () => string[]): CAC {
  const cli = cac('otherix');
  for (const spec of Object.values(CONNECTION_FLAGS)) cli.option(spec.flag, spec.description);
  for (const spec of COMMANDS) register(cli, spec, rest);
  cli.help();
  cli.version(CLI_VERSION);
  // `otherix --version` prints what `otherix version` prints, as otherix-agent and otherix-server do.
  cli.outputVersion = () => console.log(versionLine());
  return cli;
}

const TABLE: CommandTable = { commands: COMMANDS, groups: COMMAND_GROUPS, connectionFlags: CONNECTION_FLAGS };

function register(cli: CAC, spec: CommandSpec, rest: () => string[]): void {
  const rawName = spec.args ? `${spec.name} ${spec.args}` : spec.name;
  const command = cli.command(rawName, spec.description).usage(`${rawName} [options]`);
  for (const flag of Object.values(spec.flags))
    command.option(flag.flag, flag.description, flag.default === undefined ? undefined : { default: flag.default });
  for (const example of spec.examples) command.example(example);
  command.action(async (...actionArgs: unknown[]) => {
    const parsed = actionArgs.pop() as Record<string, unknown>;
    const argv = rest();
    const input = {
      args: actionArgs.filter((arg): arg is string => typeof arg === 'string'),
      options: readFlags(argv, parsed, spec.flags),
      connection: readFlags(argv, parsed, CONNECTION_FLAGS),
      table: TABLE,
    };
    const module = await spec.load();
    await module.run(input);
  });
}

/** Every flag that takes a value (`--output <format>`), across the commands and the connection flags. */
const VALUE_FLAGS = valueFlags([...Object.values(CONNECTION_FLAGS), ...COMMANDS.flatMap((command) => Object.values(command.flags))]);

const usage = (message: string): OtherixError => new OtherixError('usage', message);

async function main(argv: string[]): Promise<number> {
  const names = COMMANDS.map((command) => command.name);
  const words = resolveCommandWords(argv.slice(2), names, COMMAND_GROUPS, VALUE_FLAGS);
  const cli = buildCli(() => words.rest);
  const wantsHelp = words.rest.includes('--help') || words.rest.includes('-h');

  if (words.kind === 'unknown') {
    throw usage(`unknown command \`${words.words.join(' ')}\`: run \`otherix --help\` for the list of commands`);
  }
  if (words.kind === 'group') {
    if (wantsHelp) {
      console.log(groupHelp(words.name, COMMANDS));
      return EXIT_OK;
    }
    if (words.rest.length === 0) {
      // `otherix node` alone: say what it needs, on stderr, as a usage error.
      process.stderr.write(`${groupHelp(words.name, COMMANDS)}\n`);
      return EXIT_USAGE;
    }
    throw usage(`\`otherix ${words.name}\` needs a command: run \`otherix ${words.name} --help\``);
  }
  if (words.kind === 'none' && words.rest.length === 0) {
    cli.outputHelp();
    return EXIT_OK;
  }

  const spec = words.kind === 'command' ? COMMANDS.find((command) => command.name === words.name) : undefined;
  const helpHint = `run \`otherix ${spec?.name ?? ''}${spec ? ' ' : ''}--help\``;
  if (spec !== undefined && !wantsHelp)
    refuseNegativeValues(words.rest, [...Object.values(spec.flags), ...Object.values(CONNECTION_FLAGS)], `: ${helpHint}`);
  const folded = words.kind === 'command' ? [words.name, ...words.rest] : words.rest;
  try {
    const parsed = cli.parse([argv[0] ?? 'node', argv[1] ?? 'otherix', ...folded], { run: false });
    if (parsed.options['help'] || parsed.options['version']) return EXIT_OK;
    if (!cli.matchedCommand) throw usage('no command given (for example `otherix node list`): run `otherix --help` for the list');
    await cli.runMatchedCommand();
  } catch (error) {
    // cac's own messages (unknown option, missing argument) get the way out appended.
    if (error instanceof Error && error.name === 'CACError') throw usage(`${error.message}: ${helpHint}`);
    throw error;
  }
  return EXIT_OK;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const failure = describeFailure(error);
    process.stderr.write(`${failure.line}\n`);
    process.exitCode = failure.exitCode;
  },
);
