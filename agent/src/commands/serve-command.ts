// `otherix-agent serve`, also the default command: its flags and their defaults, registered with
// cac. The runtime (./serve.js) is imported only when it runs, so bootstrap never pays for it.
import type { CAC } from 'cac';
import { DEFAULT_CONFIG_PATH } from '@otherix/sdk';
import { flagSpec, readFlags } from '@otherix/sdk/argv';
import type { FlagSpec } from '@otherix/sdk/argv';

const DEFAULT_POLL_INTERVAL = '5s';

export const SERVE_FLAGS = {
  config: flagSpec({ flag: '--config <path>', description: 'Path of agent.yaml', kind: { type: 'string' }, default: DEFAULT_CONFIG_PATH }),
  pollInterval: flagSpec({
    flag: '--poll-interval <duration>',
    description: 'How often State A checks for config and cert files',
    kind: { type: 'string' },
    default: DEFAULT_POLL_INTERVAL,
  }),
  metricsListen: flagSpec({
    flag: '--metrics-listen <host:port>',
    description: 'Serve Prometheus metrics at http://HOST:PORT/metrics, plain HTTP (default off; also agent.yaml metrics_listen)',
    kind: { type: 'string' },
  }),
};

const SERVE_EXAMPLES = [
  '  $ otherix-agent serve --config /etc/otherix/agent.yaml',
  '  $ otherix-agent serve --metrics-listen 127.0.0.1:9464',
];

export function registerServe(cli: CAC, argv: readonly string[]): void {
  for (const name of ['serve', '']) {
    const description =
      name === '' ? '(no command) the same as serve' : 'Run the agent: wait for bootstrap (State A), then serve (State B)';
    const command = cli.command(name, description);
    if (name === '') command.usage('<command> [options]');
    else for (const example of SERVE_EXAMPLES) command.example(example);
    for (const spec of Object.values<FlagSpec>(SERVE_FLAGS))
      command.option(spec.flag, spec.description, spec.default === undefined ? undefined : { default: spec.default });
    command.action(async (parsed: Record<string, unknown>) => {
      const options = readFlags(argv, parsed, SERVE_FLAGS);
      const serve = await import('./serve.js');
      await serve.runServe(options);
    });
  }
}
