// `otherix-agent bootstrap`: flags -> the SDK's layered bootstrap settings (flags over
// OTHERIX_BOOTSTRAP__* over defaults, token source resolved) -> bootstrapNode() -> one message.
import type { CAC } from 'cac';
import { bootstrapNode, formatDuration, type BootstrapOutcome } from '@otherix/sdk';
import { BOOTSTRAP_CONFIG_SCHEMA, resolveBootstrapInvocation } from '@otherix/sdk/internal';
import { flagSpec, readFlags, type FlagValues } from '@otherix/sdk/argv';
import { agentVersion } from './version.js';

const text = (flag: string, description: string) => flagSpec({ flag, description, kind: { type: 'string' } });

/** The default the SDK applies to `bootstrap.<key>`, as --help shows it. */
function defaultOf(key: string): string {
  const spec = BOOTSTRAP_CONFIG_SCHEMA[`bootstrap.${key}`];
  return spec.kind === 'duration' ? formatDuration(spec.default as number) : String(spec.default);
}

// The seed's flag table, every value read word for word (cac would turn `007` into 7). The
// defaults are the SDK's BOOTSTRAP_CONFIG_SCHEMA's, applied there so the environment can
// override them; the help shows them from there.
export const BOOTSTRAP_FLAGS = {
  token: text('--token <token>', 'Join token (visible in the process list: prefer --token-path or --token-env)'),
  tokenPath: text('--token-path <file>', 'Read the join token from a file (whitespace-trimmed)'),
  tokenEnv: text('--token-env <name>', 'Read the join token from this environment variable'),
  caFingerprint: text('--ca-fingerprint <fp>', 'Cluster CA fingerprint, sha256:<hex> or bare hex (required)'),
  cpUrl: text(
    '--cp-url <url>',
    'Control-plane base URL, https://host:port; replicas of one cluster comma-separated, tried in order (required)',
  ),
  nodeName: text('--node-name <name>', 'Cluster-unique node name, a DNS label (required)'),
  advertisedEndpoint: text('--advertised-endpoint <url>', 'HTTPS URL the CP uses to reach this agent (required)'),
  migrationHost: text('--migration-host <host>', 'Host/IP advertised for live-migration ingress (required)'),
  migrationPortRangeStart: text(
    '--migration-port-range-start <port>',
    `Migration port range lower bound (default: ${defaultOf('migration_port_range_start')})`,
  ),
  migrationPortRangeEnd: text(
    '--migration-port-range-end <port>',
    `Migration port range upper bound (default: ${defaultOf('migration_port_range_end')})`,
  ),
  certDir: text('--cert-dir <dir>', `Destination for agent.key / agent.crt / ca.crt (default: ${defaultOf('cert_dir')})`),
  configPath: text('--config-path <path>', `Destination for the generated agent.yaml (default: ${defaultOf('config_path')})`),
  listen: text('--listen <addr>', `Agent HTTPS bind address baked into agent.yaml (default: ${defaultOf('listen')})`),
  heartbeatInterval: text(
    '--heartbeat-interval <duration>',
    `Heartbeat cadence baked into agent.yaml (default: ${defaultOf('heartbeat_interval')})`,
  ),
  requestTimeout: text(
    '--request-timeout <duration>',
    `Per-HTTP-request timeout against the CP (default: ${defaultOf('request_timeout')})`,
  ),
  force: flagSpec({
    flag: '--force',
    description: 'Re-issue cert material on an already-bootstrapped host (never overwrites agent.yaml)',
    kind: { type: 'switch' },
  }),
};

export function registerBootstrap(cli: CAC, argv: readonly string[]): void {
  const command = cli.command('bootstrap', 'Join this host to the cluster: redeem a join token for the node identity');
  for (const spec of Object.values(BOOTSTRAP_FLAGS)) command.option(spec.flag, spec.description);
  command.usage(
    'bootstrap (--token-path FILE | --token-env NAME | --token VALUE) --ca-fingerprint FP --cp-url URL --node-name NAME --advertised-endpoint URL --migration-host HOST [options]',
  );
  command.example(
    '  $ otherix-agent bootstrap --token-path /run/otherix/join-token --ca-fingerprint sha256:1a2b... --cp-url https://cp.example:8443 --node-name node-1 --advertised-endpoint https://10.0.0.21:9443 --migration-host 10.0.0.21',
  );
  command.example(
    '  $ otherix-agent bootstrap --force --token-env JOIN_TOKEN --ca-fingerprint sha256:1a2b... --cp-url https://cp.example:8443 --node-name node-1 --advertised-endpoint https://10.0.0.21:9443 --migration-host 10.0.0.21',
  );
  command.action((parsed: Record<string, unknown>) => runBootstrap(readFlags(argv, parsed, BOOTSTRAP_FLAGS)));
}

async function runBootstrap(flags: FlagValues<typeof BOOTSTRAP_FLAGS>): Promise<void> {
  const invocation = resolveBootstrapInvocation({ flags, env: process.env });
  for (const warning of invocation.warnings) process.stderr.write(`${warning}\n`);
  const outcome = await bootstrapNode({ ...invocation.options, agentVersion: agentVersion() });
  process.stdout.write(`${describeOutcome(outcome)}\n`);
}

function describeOutcome(outcome: BootstrapOutcome): string {
  if (outcome.kind === 'already_bootstrapped') {
    const config = outcome.configWritten ? `; wrote the missing ${outcome.configPath}` : '';
    return `already bootstrapped: ${outcome.certDir} holds agent.key, agent.crt and ca.crt${config}; nothing to redeem (re-issue with --force)`;
  }
  const config = outcome.configWritten
    ? `and ${outcome.configPath}`
    : `(kept the existing ${outcome.configPath}; delete it first to regenerate)`;
  return [
    `joined as ${outcome.node.name} (serial ${outcome.serial}): wrote agent.key, agent.crt and ca.crt to ${outcome.certDir} ${config}`,
    `start the agent with \`otherix-agent serve --config ${outcome.configPath}\``,
  ].join('\n');
}
