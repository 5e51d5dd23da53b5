// `otherix-agent bootstrap`: flags -> the SDK's layered bootstrap settings (flags over
// OTHERIX_BOOTSTRAP__* over defaults, token source resolved) -> bootstrapNode() -> one message.
import type { CAC } from 'cac';
import { OtherixError, bootstrapNode, resolveBootstrapInvocation, verbatimFlagValue, type BootstrapOutcome } from '@otherix/sdk';
import { agentVersion } from './version.js';

// The seed's flag table; defaults live in the SDK (DEFAULT_*) so the environment can override them.
const FLAGS: Array<[string, string]> = [
  ['--token <token>', 'Join token (visible in the process list: prefer --token-path or --token-env)'],
  ['--token-path <file>', 'Read the join token from a file (whitespace-trimmed)'],
  ['--token-env <name>', 'Read the join token from this environment variable'],
  ['--ca-fingerprint <fp>', 'Cluster CA fingerprint, sha256:<hex> or bare hex (required)'],
  ['--cp-url <url>', 'Control-plane base URL, https://host:port (required)'],
  ['--node-name <name>', 'Cluster-unique node name, a DNS label (required)'],
  ['--advertised-endpoint <url>', 'HTTPS URL the CP uses to reach this agent (required)'],
  ['--migration-host <host>', 'Host/IP advertised for live-migration ingress (required)'],
  ['--migration-port-range-start <port>', 'Migration port range lower bound (default: 49152)'],
  ['--migration-port-range-end <port>', 'Migration port range upper bound (default: 49251)'],
  ['--cert-dir <dir>', 'Destination for agent.key / agent.crt / ca.crt (default: /var/lib/otherix/certs)'],
  ['--config-path <path>', 'Destination for the generated agent.yaml (default: /etc/otherix/agent.yaml)'],
  ['--listen <addr>', 'Agent HTTPS bind address baked into agent.yaml (default: 0.0.0.0:9443)'],
  ['--heartbeat-interval <duration>', 'Heartbeat cadence baked into agent.yaml (default: 30s)'],
  ['--request-timeout <duration>', 'Per-HTTP-request timeout against the CP (default: 30s)'],
  ['--force', 'Re-issue cert material on an already-bootstrapped host (never overwrites agent.yaml)'],
];

// The flags that take a value, read word for word from argv (cac would turn `007` into 7).
const VALUE_FLAGS = FLAGS.flatMap(([flag]) => /^--([a-z-]+) </.exec(flag)?.[1] ?? []);

export function registerBootstrap(cli: CAC, argv: readonly string[]): void {
  const command = cli.command('bootstrap', 'Join this host to the cluster: redeem a join token for the node identity');
  for (const [flag, description] of FLAGS) command.option(flag, description);
  command.usage('bootstrap (--token-path FILE | --token-env NAME | --token VALUE) --ca-fingerprint FP --cp-url URL --node-name NAME --advertised-endpoint URL --migration-host HOST [options]');
  command.example('otherix-agent bootstrap --token-path /run/otherix/join-token --ca-fingerprint sha256:1a2b... --cp-url https://cp.example:8443 --node-name node-1 --advertised-endpoint https://10.0.0.21:9443 --migration-host 10.0.0.21');
  command.action((flags: Record<string, unknown>) => runBootstrap(verbatimFlags(flags, argv)));
}

function verbatimFlags(flags: Record<string, unknown>, argv: readonly string[]): Record<string, unknown> {
  // cac collects a repeated flag into an array; a switch (--force) has one meaning too.
  for (const [name, value] of Object.entries(flags)) {
    if (Array.isArray(value) && name !== '--') {
      throw new OtherixError('usage', `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} given twice: give it once`);
    }
  }
  const verbatim = { ...flags };
  for (const flag of VALUE_FLAGS) {
    const camel = flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    const value = verbatimFlagValue(argv, flag);
    if (value === undefined) delete verbatim[camel];
    else verbatim[camel] = value;
  }
  return verbatim;
}

async function runBootstrap(flags: Record<string, unknown>): Promise<void> {
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
