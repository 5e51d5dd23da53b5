// `otherix-agent serve` (also the default command): wait in State A until bootstrap has put
// agent.yaml and the cert material in place, then run State B until SIGTERM/SIGINT. With
// --metrics-listen (or OTHERIX_METRICS_LISTEN) the metrics are served from the start, State A
// included; with only agent.yaml's metrics_listen, from State B on (the file is read there).
import { resolve } from 'node:path';
import { OtherixError, parseDuration } from '@otherix/sdk';
import { formatHostPort } from '@otherix/sdk/internal';
import type { FlagValues } from '@otherix/sdk/argv';
import { NO_METRICS, loadAgentMetrics } from '../runtime/agent-metrics.js';
import type { AgentMetrics } from '../runtime/agent-metrics.js';
import { parseListenAddress } from '../runtime/listen-address.js';
import type { Logger } from '../runtime/logger.js';
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
  const early = metricsListenOf(options.metricsListen, process.env['OTHERIX_METRICS_LISTEN']);
  // agent.yaml sets the level once it parses; until then the environment may.
  const envLevel = process.env['OTHERIX_LOGGER__LEVEL'];
  const logger = createLogger(isLogLevel(envLevel) ? { level: envLevel } : {});
  const shutdown = listenForShutdown((name) => logger.info(`${name}: shutting down`));

  let metrics: ServedMetrics | undefined;
  try {
    if (early !== undefined) metrics = await serveMetrics(early, logger);
    const bootstrapped = await waitForBootstrap({ configPath, env: process.env, pollIntervalMs, logger, signal: shutdown.signal });
    if (bootstrapped === undefined) return;
    const fromConfig = bootstrapped.config.metrics_listen;
    if (metrics === undefined && fromConfig !== '') metrics = await serveMetrics(parseListenAddress(fromConfig, 'metrics_listen'), logger);
    metrics?.metrics.state('B');
    const stateB = await startStateB({ bootstrapped, agentVersion: agentVersion(), logger, metrics: metrics?.metrics ?? NO_METRICS });
    await shutdown.requested;
    await stateB.stop();
  } finally {
    await metrics?.close();
    logger.info('stopped');
    shutdown.finish();
  }
}

interface ServedMetrics {
  metrics: AgentMetrics;
  close(): Promise<void>;
}

/** The flag, else the environment; a bad value is a usage error (exit 2) before anything starts. */
function metricsListenOf(flag: string | undefined, env: string | undefined): { host: string; port: number } | undefined {
  const [value, where] = flag !== undefined && flag !== '' ? [flag, '--metrics-listen'] : [env ?? '', 'OTHERIX_METRICS_LISTEN'];
  if (value.trim() === '') return undefined;
  try {
    return parseListenAddress(value, 'metrics_listen');
  } catch {
    throw new OtherixError(
      'usage',
      `${where} ${JSON.stringify(value)}: expected HOST:PORT, e.g. 127.0.0.1:9464 (plain HTTP: keep it on loopback or a management network)`,
    );
  }
}

/**
 * Starts the metrics listener. One that cannot listen (the port is taken) is logged at error and
 * the agent runs on without metrics: heartbeats matter more than their counters.
 */
async function serveMetrics(address: { host: string; port: number }, logger: Logger): Promise<ServedMetrics | undefined> {
  const metrics = await loadAgentMetrics(agentVersion());
  // Loaded only when metrics are on (node:http and prom-client cost memory the agent otherwise saves).
  const { startMetricsServer } = await import('@otherix/sdk/metrics-server');
  try {
    const server = await startMetricsServer({
      ...address,
      source: metrics,
      onError: (error) => logger.warn('a metrics scrape failed', { error: String(error) }),
    });
    logger.info('metrics listening', { url: server.url });
    return { metrics, close: () => server.close() };
  } catch (error) {
    logger.error(
      `metrics not served: cannot listen on ${formatHostPort(address.host, address.port)} (${(error as { code?: string }).code ?? String(error)}): pick a free address for metrics_listen / --metrics-listen; the agent runs on without metrics`,
    );
    return undefined;
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
