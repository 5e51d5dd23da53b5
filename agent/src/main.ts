#!/usr/bin/env node
// The `otherix-agent` binary: bootstrap | serve (also the default) | version. Errors are
// handled once, here (cac's parse with run:false, then runMatchedCommand).
import { cac } from 'cac';
import { OtherixError, verbatimFlagValue } from '@otherix/sdk';
import { registerBootstrap } from './commands/bootstrap.js';
import { agentVersion, runVersion } from './commands/version.js';
import { EXIT_OK, describeFailure } from './exit.js';

async function main(argv: string[]): Promise<number> {
  const cli = cac('otherix-agent');
  registerBootstrap(cli, argv.slice(2));
  cli.command('version', 'Print the agent version').action(runVersion);

  // `serve` and the default command (no subcommand) load ./commands/serve.js lazily, so
  // bootstrap never pays for the runtime's imports.
  const SERVE_OPTIONS: Array<[string, string, { default?: unknown }?]> = [
    ['--config <path>', 'Path of agent.yaml', { default: '/etc/otherix/agent.yaml' }],
    ['--poll-interval <duration>', 'How often State A checks for config and cert files', { default: '5s' }],
    ['--metrics-listen <host:port>', 'Serve Prometheus metrics at http://HOST:PORT/metrics, plain HTTP (default off; also agent.yaml metrics_listen)'],
  ];
  const runServe = async (options: Record<string, unknown>): Promise<void> => {
    // Word for word, as bootstrap's: cac would read `--config 1e3` as 1000.
    const verbatim = { ...options };
    for (const [flag, camel] of [['config', 'config'], ['poll-interval', 'pollInterval'], ['metrics-listen', 'metricsListen']] as const) {
      const value = verbatimFlagValue(argv.slice(2), flag);
      if (value !== undefined) verbatim[camel] = value;
    }
    const module = await import('./commands/serve.js');
    await module.runServe(verbatim);
  };
  for (const name of ['serve', '']) {
    const description = name === '' ? '(no command) the same as serve' : 'Run the agent: wait for bootstrap (State A), then serve (State B)';
    const command = cli.command(name, description);
    if (name === '') command.usage('<command> [options]');
    for (const [flag, description, config] of SERVE_OPTIONS) command.option(flag, description, config);
    command.action((options: Record<string, unknown>) => runServe(options));
  }

  cli.usage('<command> [options]');
  cli.help();
  cli.version(agentVersion());
  // With a default command, cac would read a mistyped command as its argument: catch it first.
  const first = argv[2];
  const known = new Set(cli.commands.map((command) => command.name).filter((name) => name !== ''));
  if (first !== undefined && !first.startsWith('-') && !known.has(first)) {
    throw new OtherixError('usage', `unknown command \`${first}\`: run \`otherix-agent --help\` for the list of commands`);
  }
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
