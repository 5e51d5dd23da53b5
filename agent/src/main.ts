#!/usr/bin/env node
// The `otherix-agent` binary: bootstrap | serve (also the default) | renew | version. Errors are
// handled once, here (cac's parse with run:false, then runMatchedCommand). What cac needs
// around it (a mistyped command word, flag values word for word, negative numbers) is the
// SDK's argv module, shared with the otherix CLI.
import { cac } from 'cac';
import { OtherixError } from '@otherix/sdk';
import { refuseNegativeValues, resolveCommandWords, valueFlags } from '@otherix/sdk/argv';
import { BOOTSTRAP_FLAGS, registerBootstrap } from './commands/bootstrap.js';
import { RENEW_FLAGS, registerRenew } from './commands/renew-command.js';
import { SERVE_FLAGS, registerServe } from './commands/serve-command.js';
import { agentVersion, runVersion } from './commands/version.js';
import { EXIT_OK, describeFailure } from './errors.js';

async function main(argv: string[]): Promise<number> {
  const args = argv.slice(2);
  const cli = cac('otherix-agent');
  registerBootstrap(cli, args);
  cli.command('version', 'Print the agent version').example('  $ otherix-agent version').action(runVersion);
  registerRenew(cli, args);
  registerServe(cli, args);
  // `otherix-agent --help` (the default command's help) shows the first example of each command.
  const overview = cli.commands.find((command) => command.name === '')!;
  for (const name of ['bootstrap', 'serve', 'renew', 'version']) {
    const [example] = cli.commands.find((command) => command.name === name)?.examples ?? [];
    if (example !== undefined) overview.example(example);
  }
  cli.usage('<command> [options]');
  cli.help();
  cli.version(agentVersion());
  // `--version` prints what `otherix-agent version` prints, as otherix and otherix-server do.
  cli.outputVersion = runVersion;

  // With a default command, cac would read a mistyped command as its argument: catch it first.
  const flags = { bootstrap: Object.values(BOOTSTRAP_FLAGS), serve: Object.values(SERVE_FLAGS), renew: Object.values(RENEW_FLAGS) };
  const words = resolveCommandWords(
    args,
    ['bootstrap', 'serve', 'renew', 'version'],
    [],
    valueFlags([...flags.bootstrap, ...flags.serve, ...flags.renew]),
  );
  if (words.kind === 'unknown') {
    throw new OtherixError('usage', `unknown command \`${words.words.join(' ')}\`: run \`otherix-agent --help\` for the list of commands`);
  }
  const command = words.kind === 'command' ? words.name : 'serve';
  if (command === 'bootstrap' || command === 'serve' || command === 'renew')
    refuseNegativeValues(args, flags[command], `: run \`otherix-agent ${command} --help\``);

  const parsed = cli.parse(argv, { run: false });
  if (parsed.options['help'] || parsed.options['version']) return EXIT_OK;
  if (cli.matchedCommand === undefined) {
    cli.outputHelp();
    return EXIT_OK;
  }
  await cli.runMatchedCommand();
  return EXIT_OK;
}

main(process.argv).then(
  (code) => {
    process.exitCode ??= code;
  },
  (error: unknown) => {
    const failure = describeFailure(error);
    process.stderr.write(`${failure.line}\n`);
    process.exitCode = failure.exitCode;
  },
);
