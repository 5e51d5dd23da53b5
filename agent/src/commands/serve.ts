// `otherix-agent serve` (also the default command): wait in State A until bootstrap has put
// agent.yaml and the cert material in place, then run State B until SIGTERM/SIGINT.
import { resolve } from 'node:path';
import { OtherixError, parseDuration } from '@otherix/sdk';
import type { FlagValues } from '@otherix/sdk/argv';
import { createLogger, isLogLevel } from '../runtime/logger.js';
import { listenForShutdown } from '../runtime/shutdown.js';
import { waitForBootstrap } from '../runtime/state-a.js';
import { startStateB } from '../runtime/state-b.js';
import type { SERVE_FLAGS } from './serve-command.js';
import { agentVersion } from './version.js';

export async function runServe(options: FlagValues<typeof SERVE_FLAGS>): Promise<void> {
  // Absolute, so every State A message names the very file it looked at, whatever the cwd.
  const configPath = resolve(options.config);
  const pollIntervalMs = pollIntervalOf(options.pollInterval);
  // agent.yaml sets the level once it parses; until then the environment may.
  const envLevel = process.env['OTHERIX_LOGGER__LEVEL'];
  const logger = createLogger(isLogLevel(envLevel) ? { level: envLevel } : {});
  const shutdown = listenForShutdown((name) => logger.info(`${name}: shutting down`));

  try {
    const bootstrapped = await waitForBootstrap({ configPath, env: process.env, pollIntervalMs, logger, signal: shutdown.signal });
    if (bootstrapped === undefined) return;
    const stateB = await startStateB({ bootstrapped, agentVersion: agentVersion(), logger });
    await shutdown.requested;
    await stateB.stop();
  } finally {
    logger.info('stopped');
    shutdown.finish();
  }
}

function pollIntervalOf(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new OtherixError('usage', `--poll-interval ${JSON.stringify(text)}: ${(error as Error).message}`, { cause: error });
  }
  if (ms <= 0) throw new OtherixError('usage', `--poll-interval must be longer than 0, e.g. 5s or 100ms`);
  return ms;
}
