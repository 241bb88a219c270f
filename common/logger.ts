import { pino, type Logger } from 'pino';
import { ConfigError } from './env.js';

export type { Logger };

const LEVELS = [...Object.keys(pino.levels.values), 'silent'];

/**
 * LOG_LEVEL, checked: every command refuses a mistyped one, those that log nothing too (`report`,
 * `simulate`: there it only decides whether a failure prints its stack), so that a typo is found
 * where it is made and not on the next command that logs.
 */
export function logLevel(environment: NodeJS.ProcessEnv = process.env): string {
  return checkedLogLevel(environment.LOG_LEVEL || 'info');
}

function checkedLogLevel(level: string): string {
  // pino's own refusal is a stack trace about "custom levels"; a mistyped variable is a usage error.
  if (!LEVELS.includes(level)) throw new ConfigError(`invalid configuration: LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  return level;
}

/**
 * Structured JSON logs on stdout, one object per line, so that `docker logs`, Loki or jq can
 * read them. The level comes from LOG_LEVEL (trace|debug|info|warn|error|fatal|silent; empty means info).
 * A command whose stdout is its result (`files`) logs on stderr (`to: 2`).
 */
export function createLogger(component: string, level = logLevel(), to: 1 | 2 = 1): Logger {
  return pino(
    {
      level: checkedLogLevel(level),
      base: { component, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Written as logged, not buffered: every command ends with process.exit, and pino's default
    // buffered stdout is flushed then by sonic-boom's flushSync, which retries a failed write for
    // ever. With the reader of stdout gone (`scalewright app | head -1`), the write fails with
    // EPIPE and a stopped app hung at 0% CPU, its grace timer never firing. Written at once, an
    // EPIPE only silences the logger. These are a few lines a second at most.
    pino.destination({ dest: to, sync: true }),
  );
}
