// The one log format of otherix-server and otherix-agent (README.md, "Logs"): pino JSON lines,
// one object per line, with `level` the level's name ("info", not 30), `time` an ISO 8601 UTC
// string, pino's `pid` and `hostname`, `msg`, then the event's own fields. Both processes build
// their pino logger with these options, so a log shipper reads both with one parser. Plain pino
// options: the SDK does not load pino itself.
export interface LogSchemaOptions {
  timestamp: () => string;
  formatters: { level: (label: string, value: number) => { level: string } };
}

/** pino options for the shared format; `now` (epoch ms) is for tests, default Date.now. */
export function logSchemaOptions(now: () => number = Date.now): LogSchemaOptions {
  return {
    timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
}
