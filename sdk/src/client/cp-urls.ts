// The control plane's URLs: one, or several replicas of one cluster, written as one
// comma-separated value (`--cp-url https://cp-a:8443,https://cp-b:8443`, `cp_url` in agent.yaml
// and the CLI's config, OTHERIX_CP_URL). Each URL is read with the rules of parseHttpsUrl for a
// base URL (https, host and port, no path, query or credentials), and the list keeps its order:
// clients try the URLs in that order (failover.ts).
//
// A URL given twice is refused, not ignored: an operator who lists a replica twice most likely
// meant another one, and a list that looks like two replicas but is one would hide that the
// cluster has no second URL to fall back on. Two spellings of one origin (`HTTPS://CP:443/` and
// `https://cp`) are the same URL. An empty entry (`a,,b`, a trailing comma) is refused too.
import { OtherixError, type OtherixErrorCode } from '../errors.js';
import { parseHttpsUrl } from '../https-url.js';

export interface CpUrlRules {
  /** Names the value in messages: `--cp-url`, `config /etc/otherix/agent.yaml: cp_url`. */
  subject: string;
  /** 'usage' for a flag or the environment, 'config_invalid' for a file. */
  code: OtherixErrorCode;
}

const DEFAULT_RULES: CpUrlRules = { subject: 'control-plane URL', code: 'usage' };

/**
 * The origins (`https://host:port`) of a comma-separated list of CP URLs (or of an array of
 * them), in order; an OtherixError with `rules.code` naming the bad entry otherwise.
 */
export function parseCpUrls(value: string | readonly string[], rules: CpUrlRules = DEFAULT_RULES): string[] {
  const entries = typeof value === 'string' ? value.split(',') : [...value];
  const several = entries.length > 1;
  const origins: string[] = [];
  entries.forEach((raw, index) => {
    const text = raw.trim();
    const which = several ? `${rules.subject} (URL ${index + 1} of ${entries.length})` : rules.subject;
    if (text === '') {
      throw new OtherixError(
        rules.code,
        several
          ? `${which} is empty: separate the control plane's URLs with single commas, e.g. https://cp-a:8443,https://cp-b:8443`
          : `${rules.subject} is empty: give https://host:port`,
      );
    }
    const { origin } = parseHttpsUrl(text, { subject: which, code: rules.code, originOnly: true });
    const first = origins.indexOf(origin);
    if (first !== -1) {
      throw new OtherixError(
        rules.code,
        `${which} ${text} repeats URL ${first + 1} (${origin}): list each control-plane replica once; a URL given twice adds no second replica to fall back on`,
      );
    }
    origins.push(origin);
  });
  return origins;
}

/** The list as written back to agent.yaml or the CLI's config: origins joined by commas. */
export function formatCpUrls(origins: readonly string[]): string {
  return origins.join(',');
}

/** The list turned to start at `origin` (keeping the order after it), e.g. the URL that just answered. */
export function startingAt(origins: readonly string[], origin: string): string[] {
  const index = origins.indexOf(origin);
  return index <= 0 ? [...origins] : [...origins.slice(index), ...origins.slice(0, index)];
}
