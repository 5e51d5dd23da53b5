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
  const rawName = spec.args ? `${spec.name} ${spec.args}` : spec.name;
  const command = cli.command(rawName, spec.description).usage(`${rawName} [options]`);
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

/** Every flag that takes a value (`--output <format>`), across the commands and the connection options. */
const VALUE_FLAGS: ReadonlySet<string> = new Set(
  [...CONNECTION_OPTIONS, ...COMMANDS.flatMap((command) => command.options)].filter((option) => /[<[]/.test(option.flag)).map((option) => option.flag.split(' ')[0]!),
);

async function main(argv: string[]): Promise<number> {
  const names = COMMANDS.map((command) => command.name);
  const words = resolveCommandWords(argv.slice(2), names, COMMAND_GROUPS, VALUE_FLAGS);
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

  const spec = words.kind === 'command' ? COMMANDS.find((command) => command.name === words.name) : undefined;
  if (spec !== undefined && !wantsHelp) refuseNegativeValues(spec, words.rest);
  const folded = words.kind === 'command' ? [words.name, ...words.rest] : words.rest;
  const helpHint = `run \`otherix ${spec?.name ?? ''}${spec ? ' ' : ''}--help\``;
  try {
    const parsed = cli.parse([argv[0] ?? 'node', argv[1] ?? 'otherix', ...folded], { run: false });
    if (parsed.options['help'] || parsed.options['version']) return EXIT_OK;
    if (!cli.matchedCommand) {
      throw new UsageError('no command given (for example `otherix node list`): run `otherix --help` for the list');
    }
    await cli.runMatchedCommand();
  } catch (error) {
    // cac's own messages (unknown option, missing argument) get the way out appended.
    if (error instanceof Error && error.name === 'CACError') throw new UsageError(`${error.message}: ${helpHint}`);
    throw error;
  }
  return EXIT_OK;
}

// mri reads `--max-uses -1` as a flag without a value followed by an unknown flag `-1`; say
// what actually happened instead.
function refuseNegativeValues(spec: CommandSpec, rest: readonly string[]): void {
  const valued = [...spec.options, ...CONNECTION_OPTIONS].filter((option) => option.flag.includes('<')).map((option) => option.flag.split(' ')[0]);
  rest.forEach((arg, index) => {
    const next = rest[index + 1];
    if (valued.includes(arg) && next !== undefined && /^-\d/.test(next)) {
      throw new UsageError(`${arg} must not be negative, got "${next}": run \`otherix ${spec.name} --help\``);
    }
  });
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
