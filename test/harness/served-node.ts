// A node joined by the real `otherix-agent bootstrap` and run by the real `otherix-agent serve`
// (short intervals from flags), for tests of what State B does. bootstrapWithAgent(): the join
// alone, for a test that starts serve itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OtherixClient } from '@otherix/sdk';
import { bootstrapWithBoundToken, fastAgentFlags, startServe } from './agent.js';
import type { AgentRun, RunAgentOptions, ServeProcess } from './agent.js';
import { freePort } from './loopback.js';

export interface ServedNode {
  name: string;
  cpUrl: string;
  caFingerprint: string;
  port: number;
  dir: string;
  certDir: string;
  configPath: string;
  serve: ServeProcess;
  /** SIGTERM (if still running) and remove the folder. */
  cleanup(): Promise<void>;
}

export interface AgentHostPaths {
  certDir: string;
  configPath: string;
}

/**
 * Mints a join token bound to `name` and runs the real bootstrap with it (from the environment),
 * the agent to listen on 127.0.0.1:`port` and beat every 200 ms. Returns the run; exit 0 is the join.
 */
export function bootstrapWithAgent(
  cp: { url: string; caFingerprint: string },
  admin: OtherixClient,
  name: string,
  host: AgentHostPaths,
  port: number,
  options: Omit<RunAgentOptions, 'env'> = {},
): Promise<AgentRun & { token: string }> {
  const flags = { nodeName: name, ...host, advertisedEndpoint: `https://127.0.0.1:${port}`, extra: fastAgentFlags(port) };
  return bootstrapWithBoundToken(cp, admin, flags, options);
}

export async function bootstrapAndServe(
  cp: { url: string; caFingerprint: string },
  admin: OtherixClient,
  name: string,
  env: Record<string, string> = {},
): Promise<ServedNode> {
  const dir = await mkdtemp(join(tmpdir(), 'otherix-served-'));
  const configPath = join(dir, 'agent.yaml');
  const certDir = join(dir, 'certs');
  const port = await freePort();
  const bootstrap = await bootstrapWithAgent(cp, admin, name, { certDir, configPath }, port);
  if (bootstrap.exitCode !== 0) throw new Error(`bootstrap failed (${bootstrap.exitCode}): ${bootstrap.stderr}`);
  const serve = startServe(['serve', '--config', configPath, '--poll-interval', '100ms'], env);
  await serve.waitForLog((r) => r.msg === 'state B: serving');
  return {
    name,
    cpUrl: cp.url,
    caFingerprint: cp.caFingerprint,
    port,
    dir,
    certDir,
    configPath,
    serve,
    async cleanup() {
      await serve.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
