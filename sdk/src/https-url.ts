// https URLs as Otherix takes them: the CP's URL (`--cp-url`, `cp_url` in agent.yaml and the
// CLI's config) and a node's advertised endpoint (bootstrap's flag, and the join request the CP
// checks). One reading for every shell, so the agent never sends what the CP would refuse.
import { OtherixError, type OtherixErrorCode } from './errors.js';
import { hostProblem } from './names.js';

export interface HttpsUrlRules {
  /** Names the value in messages: `control-plane URL`, `--advertised-endpoint`. */
  subject: string;
  /** The code of the refusal: 'usage' for a flag, 'config_invalid' for a file, 'validation_failed' for an API body. */
  code: OtherixErrorCode;
  /** A base URL (the CP's): scheme, host and port only, no path. */
  originOnly?: boolean;
  /** The host goes into a certificate (an advertised endpoint): it must pass hostProblem. */
  certifiedHost?: boolean;
}

/**
 * The URL, or an OtherixError with `rules.code` that says what is wrong: not a URL, not https,
 * credentials, a query or a fragment (and a path, for a base URL), or a host no certificate
 * may name.
 */
export function parseHttpsUrl(text: string, rules: HttpsUrlRules): URL {
  const refuse = (message: string): OtherixError => new OtherixError(rules.code, `${rules.subject} ${message}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse(`${JSON.stringify(text)} is not a URL: give https://host:port`);
  }
  if (url.protocol !== 'https:') throw refuse(`${text} must be an https:// URL: every Otherix connection must use https:// (TLS)`);
  if (rules.originOnly === true) {
    if (
      (url.pathname !== '/' && url.pathname !== '') ||
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== '' ||
      url.password !== ''
    ) {
      throw refuse(`${text} must be https://host:port without a path, query or credentials`);
    }
  } else if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw refuse(`${text} must not carry credentials, a query or a fragment`);
  }
  if (rules.certifiedHost === true) {
    const problem = hostProblem(url.hostname);
    if (problem !== undefined) throw refuse(`${text}: its host ${JSON.stringify(url.hostname)} ${problem}`);
  }
  return url;
}
