// Structured logs for the agent's runtime: one JSON object per line on stderr
// ({time, level, msg, ...fields}). Callers pass only what is safe to print; as a second line of
// defence, fields whose names look like secrets are replaced before writing.

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];
const DEFAULT_LOG_LEVEL: LogLevel = 'info';

type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The level is known only once agent.yaml parses, so it can change after creation. */
  setLevel(level: LogLevel): void;
  readonly level: LogLevel;
}

interface LoggerOptions {
  level?: LogLevel;
  /** Where a finished line goes; default process.stderr. */
  write?: (line: string) => void;
  now?: () => Date;
}

// A key, a token, a CSR or an Authorization header must never reach a log line.
const SECRET_FIELD = /(^|_)(key|key_pem|token|csr|csr_pem|authorization|password|secret)$/i;

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  let threshold = LOG_LEVELS.indexOf(options.level ?? DEFAULT_LOG_LEVEL);
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());

  const emit = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const record: LogFields = { time: now().toISOString(), level, msg };
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      record[name] = SECRET_FIELD.test(name) ? '[redacted]' : plain(value);
    }
    write(`${JSON.stringify(record)}\n`);
  };

  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    setLevel(level) {
      threshold = LOG_LEVELS.indexOf(level);
    },
    get level() {
      return LOG_LEVELS[threshold] ?? DEFAULT_LOG_LEVEL;
    },
  };
}

// Errors serialise to {} by default; log their code and message only (never a stack: it can
// quote file contents in some parsers' messages, and it is noise in an operator's log).
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return typeof code === 'string' ? { code, message: value.message } : { message: value.message };
  }
  return value;
}
