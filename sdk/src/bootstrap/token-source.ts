// Where the join token comes from: exactly one of --token, --token-path, --token-env; with
// none of them, OTHERIX_BOOTSTRAP__TOKEN. The token itself never appears in a message.
import { statSync } from 'node:fs';
import { readFileCapped } from '../files/read-capped.js';
import { OtherixError } from '../errors.js';

export interface TokenSources {
  /** `--token`: the literal value (visible in the process list, hence a warning). */
  token?: string;
  /** `--token-path`: a file holding the token, whitespace-trimmed. */
  tokenPath?: string;
  /** `--token-env`: the name of an environment variable holding the token. */
  tokenEnv?: string;
}

export interface ResolvedToken {
  token: string;
  /** Where it came from, for messages: `--token-path /x`, never the value. */
  source: string;
  /** Advice for stderr (the token on the command line, a token file readable by others). */
  warnings: string[];
}

const FLAG_NAMES = { token: '--token', tokenPath: '--token-path', tokenEnv: '--token-env' } as const;

/** Names the token in messages: the agent reads a join token, the `otherix` CLI an API token. */
interface TokenKind {
  noun: string;
  /** The noun with its article: 'a join token', 'an API token'. */
  aNoun: string;
  /** What to pass instead of an empty value. */
  expected: string;
}
const JOIN_TOKEN_KIND: TokenKind = { noun: 'join token', aNoun: 'a join token', expected: 'the otx_join_... value the admin minted' };
export const API_TOKEN_KIND: TokenKind = { noun: 'API token', aNoun: 'an API token', expected: 'the otx_api_... value the admin created' };

/**
 * `flags` are the command line's sources; `fallback` the same keys from the environment
 * (OTHERIX_BOOTSTRAP__TOKEN, __TOKEN_PATH, __TOKEN_ENV), used only when no flag names one.
 */
export function resolveTokenSource(options: {
  flags: TokenSources;
  fallback?: TokenSources;
  env?: NodeJS.ProcessEnv;
  fallbackNames?: Partial<Record<keyof TokenSources, string>>;
  /** What the token is, for messages; default the join token. The CLI passes its API token. */
  kind?: TokenKind;
}): ResolvedToken {
  const env = options.env ?? process.env;
  const kind = options.kind ?? JOIN_TOKEN_KIND;
  const { noun, expected } = kind;
  const fromFlags = pickOne(options.flags, FLAG_NAMES, kind.aNoun);
  const chosen =
    fromFlags ??
    pickOne(
      options.fallback ?? {},
      {
        token: options.fallbackNames?.token ?? 'OTHERIX_BOOTSTRAP__TOKEN',
        tokenPath: options.fallbackNames?.tokenPath ?? 'OTHERIX_BOOTSTRAP__TOKEN_PATH',
        tokenEnv: options.fallbackNames?.tokenEnv ?? 'OTHERIX_BOOTSTRAP__TOKEN_ENV',
      },
      kind.aNoun,
    );
  if (chosen === undefined) {
    throw new OtherixError(
      'usage',
      `no ${noun} given: pass exactly one of --token-path FILE, --token-env NAME or --token VALUE, or set OTHERIX_BOOTSTRAP__TOKEN`,
    );
  }
  const warnings: string[] = [];
  let token: string;
  switch (chosen.key) {
    case 'token':
      token = chosen.value;
      if (fromFlags !== undefined) {
        warnings.push(
          `warning: --token puts the ${noun} in the process list, visible to every local user; prefer --token-path FILE or --token-env NAME`,
        );
      }
      break;
    case 'tokenPath':
      token = readTokenFile(chosen.value, chosen.name, warnings);
      break;
    case 'tokenEnv': {
      const value = env[chosen.value];
      if (value === undefined || value.trim() === '') {
        throw new OtherixError(
          'usage',
          `${chosen.name} ${chosen.value}: that environment variable is not set or empty: export the ${noun} in it`,
        );
      }
      token = value.trim();
      break;
    }
  }
  if (token === '') {
    throw new OtherixError('usage', `${chosen.name} gives an empty ${noun}: pass ${expected}`);
  }
  return { token, source: chosen.key === 'token' ? chosen.name : `${chosen.name} ${chosen.value}`, warnings };
}

function pickOne(
  sources: TokenSources,
  names: Record<keyof TokenSources, string>,
  aNoun: string,
): { key: keyof TokenSources; name: string; value: string } | undefined {
  const given = (Object.keys(names) as Array<keyof TokenSources>).filter((key) => sources[key] !== undefined && sources[key] !== '');
  if (given.length > 1) {
    throw new OtherixError('usage', `${given.map((key) => names[key]).join(' and ')} both name ${aNoun}: give exactly one token source`);
  }
  const key = given[0];
  return key === undefined ? undefined : { key, name: names[key], value: String(sources[key]) };
}

/** A token is one line of about 52 characters: a token file is read up to this, never further. */
export const MAX_TOKEN_FILE_BYTES = 4096;

function readTokenFile(path: string, name: string, warnings: string[]): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    const bytes = readFileCapped(path, MAX_TOKEN_FILE_BYTES);
    if (bytes.length > MAX_TOKEN_FILE_BYTES) {
      throw new OtherixError(
        'usage',
        `${name} ${path}: the file holds more than ${MAX_TOKEN_FILE_BYTES} bytes, and a token file holds one token (one line of about 52 characters): check the path`,
      );
    }
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof OtherixError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OtherixError('usage', `${name} ${path}: cannot read the token file (${code}): check the path and its permissions`, {
      cause: error,
    });
  }
  if ((mode & 0o077) !== 0) {
    warnings.push(
      `warning: the token file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it`,
    );
  }
  return text.trim();
}
