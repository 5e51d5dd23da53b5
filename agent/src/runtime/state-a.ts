// State A: the agent waits for bootstrap. Every poll it checks that agent.yaml exists and
// parses and that the node's cert material is whole and really the node's (the key matches
// the certificate, which chains to ca.crt and names spiffe://otherix/node/<node_name>).
// Anything missing or broken keeps it waiting; it logs why once per change and never crashes.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOtherixError, loadAgentConfig } from '@otherix/sdk';
import { issuerAmong, nodeSpiffeId, publicKeySpkiDerOf, verifyIssuedIdentity } from '@otherix/sdk/pki';
import { CERT_FILES, assertAgentFilePermissions } from '@otherix/sdk/internal';
import type { AgentConfig, OtherixErrorCode } from '@otherix/sdk';
import { readCertMaterial, type CertMaterial } from './cert-material.js';
import { parseListenAddress } from './listen-address.js';
import { LOG_LEVELS, isLogLevel, type Logger } from './logger.js';
import { RepeatFilter } from './repeat-filter.js';

/** What State B starts from: a config that parsed and material that was checked. */
export interface Bootstrapped {
  config: AgentConfig;
  material: CertMaterial;
}

/**
 * Why the agent is still in State A. Codes: config_missing, config_invalid, cert_file_missing,
 * cert_file_unreadable, invalid_ca, and the SDK's insecure_permissions, unsupported_key,
 * chain_invalid, key_mismatch, identity_mismatch.
 */
interface WaitReason {
  code: OtherixErrorCode;
  message: string;
  /** What the operator does about it; it differs per reason. */
  nextStep: string;
  /** Whether something on disk or in the environment is wrong (warn), not just absent (info). */
  broken: boolean;
}

type ReadinessCheck = { ready: true; bootstrapped: Bootstrapped } | { ready: false; reason: WaitReason };

interface ReadinessSources {
  configPath: string;
  env: Record<string, string | undefined>;
}

async function checkReadiness(sources: ReadinessSources): Promise<ReadinessCheck> {
  if (!existsSync(sources.configPath)) {
    return notReady('config_missing', `${sources.configPath} not found`, RUN_BOOTSTRAP);
  }
  let config: AgentConfig;
  try {
    config = loadAgentConfig({ path: sources.configPath, env: sources.env, flags: {} });
  } catch (error) {
    return notReady(codeOf(error, 'config_invalid'), messageOf(error), fixConfig(messageOf(error), sources.configPath));
  }

  // A folder or file another user could swap (ca.crt above all) is not trusted: wait for the chmod.
  try {
    assertAgentFilePermissions({ certDir: config.tls.cert_dir, configPath: sources.configPath });
  } catch (error) {
    const fix = (error as { details?: { fix?: unknown } }).details?.fix;
    return notReady(codeOf(error, 'insecure_permissions'), messageOf(error), `run \`${String(fix)}\`; serve checks again every poll`, true);
  }

  try {
    parseListenAddress(config.listen);
  } catch (error) {
    const message = `${sources.configPath}: ${messageOf(error)}`;
    // The listen value may come from OTHERIX_LISTEN rather than the file.
    const named = sources.env['OTHERIX_LISTEN'] !== undefined ? `${message} (from OTHERIX_LISTEN)` : message;
    return notReady(codeOf(error, 'config_invalid'), named, fixConfig(named, sources.configPath));
  }

  if (config.metrics_listen !== '') {
    try {
      parseListenAddress(config.metrics_listen, 'metrics_listen');
    } catch (error) {
      const message = `${sources.configPath}: ${messageOf(error)}`;
      const named = sources.env['OTHERIX_METRICS_LISTEN'] !== undefined ? `${message} (from OTHERIX_METRICS_LISTEN)` : message;
      return notReady('config_invalid', named, fixConfig(named, sources.configPath));
    }
  }

  const read = readCertMaterial(config.tls.cert_dir);
  if (!read.ok) {
    if (read.problem.code === 'cert_file_missing') return notReady(read.problem.code, read.problem.message, RUN_BOOTSTRAP);
    if (read.problem.code === 'invalid_ca') return notReady(read.problem.code, read.problem.message, reissue(config.node_name));
    return notReady(
      read.problem.code,
      read.problem.message,
      'make the files readable by the user serve runs as; serve re-reads them every poll',
      true,
    );
  }
  const { material } = read;

  try {
    verifyIssuedIdentity({
      leafPem: material.certPem,
      // During a CA rotation ca.crt trusts two CAs and the leaf may be from either (the new one after a renewal).
      caPem: issuerAmong(material.certPem, material.caPem),
      spkiDer: publicKeySpkiDerOf(material.keyPem),
      expectedUri: nodeSpiffeId(config.node_name),
    });
  } catch (error) {
    return notReady(codeOf(error, 'chain_invalid'), materialProblem(error, config), reissue(config.node_name));
  }
  return { ready: true, bootstrapped: { config, material } };
}

// The SDK's messages speak to bootstrap (a CP's answer); on disk the cause and the way out differ.
function materialProblem(error: unknown, config: AgentConfig): string {
  const dir = config.tls.cert_dir;
  const { key, cert, ca } = CERT_FILES;
  switch (codeOf(error, 'chain_invalid')) {
    case 'key_mismatch':
      return `${key} does not match ${cert} in ${dir} (files from two different joins?): re-run \`otherix-agent bootstrap --force\``;
    case 'unsupported_key':
      return `${key} in ${dir} is not a usable key (${messageOf(error)}): re-run \`otherix-agent bootstrap --force\``;
    case 'identity_mismatch': {
      const found = (error as { details?: { found?: unknown } }).details?.found;
      const names = Array.isArray(found) && found.length > 0 ? found.join(', ') : 'no node identity';
      return `${cert} in ${dir} is for ${names}, not ${nodeSpiffeId(config.node_name)} (node_name in agent.yaml or OTHERIX_NODE_NAME): fix node_name, or bootstrap this name`;
    }
    default:
      return `${cert} in ${dir} does not check against ${ca}: ${messageOf(error)}`;
  }
}

interface StateAOptions extends ReadinessSources {
  pollIntervalMs: number;
  logger: Logger;
  /** Aborting ends the wait with `undefined` (SIGTERM while waiting). */
  signal: AbortSignal;
}

/** Polls until the node is bootstrapped (resolves with what State B needs) or the signal aborts. */
export async function waitForBootstrap(options: StateAOptions): Promise<Bootstrapped | undefined> {
  const { logger, signal } = options;
  const reasons = new RepeatFilter();
  logger.info('state A: checking for config and cert material', { config: options.configPath, poll_interval_ms: options.pollIntervalMs });
  while (!signal.aborted) {
    const check = await checkReadiness(options);
    if (check.ready) {
      const { config } = check.bootstrapped;
      if (isLogLevel(config.logger.level)) logger.setLevel(config.logger.level);
      else
        logger.warn(`logger.level ${JSON.stringify(config.logger.level)} is not one of ${LOG_LEVELS.join(', ')}: keeping ${logger.level}`);
      logger.info('state A: config and cert material are in place', { node_name: config.node_name, cert_dir: config.tls.cert_dir });
      return check.bootstrapped;
    }
    // Once per change: the same reason every poll would drown the log.
    const occurrence = reasons.record(`${check.reason.code}\u0000${check.reason.message}`);
    logger.debug('state A: poll', { reason: check.reason.code, in_a_row: occurrence.count });
    if (occurrence.first) {
      // Absent files are the normal wait before bootstrap; broken ones need a person.
      const log = check.reason.broken ? logger.warn.bind(logger) : logger.info.bind(logger);
      log(`state A: waiting: ${check.reason.message}`, { reason: check.reason.code, next_step: check.reason.nextStep });
    }
    try {
      await sleep(options.pollIntervalMs, undefined, { signal });
    } catch {
      break; // aborted
    }
  }
  return undefined;
}

const RUN_BOOTSTRAP = 'run `otherix-agent bootstrap` on this host; serve picks the files up without a restart';

function notReady(
  code: OtherixErrorCode,
  message: string,
  nextStep: string,
  broken = code !== 'config_missing' && code !== 'cert_file_missing',
): ReadinessCheck {
  return { ready: false, reason: { code, message, nextStep, broken } };
}

/** The variable the message names (the environment overrides agent.yaml), else the file. */
function fixConfig(message: string, configPath: string): string {
  const variable = /\bOTHERIX_[A-Z0-9_]+/.exec(message)?.[0];
  const what = variable !== undefined ? `fix or unset the environment variable ${variable}` : `fix ${configPath}`;
  return `${what}, then restart serve (the environment is read at start; agent.yaml every poll)`;
}

function reissue(nodeName: string): string {
  return `re-run \`otherix-agent bootstrap --force\` with a token bound to ${nodeName} (\`otherix node join-token create --node-name ${nodeName}\`); serve picks the new files up without a restart`;
}

function codeOf(error: unknown, fallback: OtherixErrorCode): OtherixErrorCode {
  return isOtherixError(error) ? error.code : fallback;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
