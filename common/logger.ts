import { pino, type Logger } from 'pino';
import { ConfigError } from './env.js';

export type { Logger };

const LEVELS = [...Object.keys(pino.levels.values), 'silent'];

/**
 * Structured JSON logs on stdout, one object per line, so that `docker logs`, Loki or jq can
 * read them. The level comes from LOG_LEVEL (trace|debug|info|warn|error|fatal|silent; empty means info).
 */
export function createLogger(component: string, level = process.env.LOG_LEVEL || 'info'): Logger {
  // pino's own refusal is a stack trace about "custom levels"; a mistyped variable is a usage error.
  if (!LEVELS.includes(level)) throw new ConfigError(`invalid configuration: LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  return pino({
    level,
    base: { component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
