import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout, one object per line, so that `docker logs`, Loki or jq can
 * read them. The level comes from LOG_LEVEL (trace|debug|info|warn|error|fatal|silent).
 */
export function createLogger(component: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
