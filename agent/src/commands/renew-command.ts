// `otherix-agent renew`: its flags, registered with cac. The command itself (./renew.js) is
// imported only when it runs, as serve's is.
import type { CAC } from 'cac';
import { DEFAULT_CONFIG_PATH } from '@otherix/sdk';
import { flagSpec, readFlags } from '@otherix/sdk/argv';

export const RENEW_FLAGS = {
  config: flagSpec({ flag: '--config <path>', description: 'Path of agent.yaml', kind: { type: 'string' }, default: DEFAULT_CONFIG_PATH }),
  force: flagSpec({ flag: '--force', description: "Renew even before 2/3 of the certificate's lifetime", kind: { type: 'switch' } }),
};

export function registerRenew(cli: CAC, argv: readonly string[]): void {
  const command = cli.command('renew', 'Renew the node certificate now (a running serve renews by itself at 2/3 of its lifetime)');
  command.option(RENEW_FLAGS.config.flag, RENEW_FLAGS.config.description, { default: RENEW_FLAGS.config.default });
  command.option(RENEW_FLAGS.force.flag, RENEW_FLAGS.force.description);
  command.usage('renew [--config PATH] [--force]');
  command.example('  $ otherix-agent renew');
  command.example('  $ otherix-agent renew --config /etc/otherix/agent.yaml --force');
  command.action(async (parsed: Record<string, unknown>) => {
    const options = readFlags(argv, parsed, RENEW_FLAGS);
    const renew = await import('./renew.js');
    await renew.runRenew(options);
  });
}
