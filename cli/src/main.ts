#!/usr/bin/env node
// The `otherix` binary: cac over the command table. Errors are handled once, here: usage
// errors exit 2, refusals and failures exit 1, always one line on stderr, never a stack trace.
import { cac } from 'cac';
import type { CAC } from 'cac';
import { COMMANDS, COMMAND_GROUPS, CONNECTION_OPTIONS } from './command-table.js';
import type { CommandSpec } from './command-table.js';
import { resolveCommandWords } from './argv/command-words.js';
import { groupHelp } from './help.js';
import { EXIT_OK, EXIT_USAGE, UsageError, describeFailure } from './errors.js';
import { CLI_VERSION } from './version.js';

function buildCli(rest: () => string[]): CAC {
  const cli = cac('otherix');
  for (const option of CONNECTION_OPTIONS) cli.option(option.flag, option.description);
  for (const spec of COMMANDS) register(cli, spec, rest);
  cli.help();
  cli.version(CLI_VERSION);
  return cli;
}

function register(cli: CAC, spec: CommandSpec, rest: () => string[]): void {
  const command = cli.command(spec.args ? `${spec.name} ${spec.args}` : spec.name, spec.description);
  for (const option of spec.options) {
    command.option(option.flag, option.description, option.default === undefined ? undefined : { default: option.default });
  }
  for (const example of spec.examples) command.example(example);
  command.action(async (...actionArgs: unknown[]) => {
    const options = actionArgs.pop() as Record<string, unknown>;
    const module = await spec.load();
    await module.run({ args: actionArgs.filter((arg): arg is string => typeof arg === 'string'), options, argv: rest() });
  });
}

async function main(argv: string[]): Promise<number> {
  const names = COMMANDS.map((command) => command.name);
  const words = resolveCommandWords(argv.slice(2), names, COMMAND_GROUPS);
  const cli = buildCli(() => words.rest);
  const wantsHelp = words.rest.includes('--help') || words.rest.includes('-h');

  if (words.kind === 'unknown') {
    throw new UsageError(`unknown command \`${words.words.join(' ')}\`: run \`otherix --help\` for the list of commands`);
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
    throw new UsageError(`\`otherix ${words.name}\` needs a command: run \`otherix ${words.name} --help\``);
  }
  if (words.kind === 'none' && words.rest.length === 0) {
    cli.outputHelp();
    return EXIT_OK;
  }

  const folded = words.kind === 'command' ? [words.name, ...words.rest] : words.rest;
  const parsed = cli.parse([argv[0] ?? 'node', argv[1] ?? 'otherix', ...folded], { run: false });
  if (parsed.options['help'] || parsed.options['version']) return EXIT_OK;
  if (!cli.matchedCommand) {
    throw new UsageError('no command given: run `otherix --help` for the list of commands');
  }
  await cli.runMatchedCommand();
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
