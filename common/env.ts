import type { Command } from 'commander';
import { z } from 'zod';

/**
 * Reads configuration from environment variables through a zod schema, so a bad value stops the
 * process at start-up with a message naming the variable, instead of surfacing as a strange
 * failure later.
 */
export function readEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env, flagNames: Readonly<Record<string, string>> = {}): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const named = (variable: string) => (flagNames[variable] ? `${flagNames[variable]} (${variable})` : variable);
    const problems = parsed.error.issues.map((issue) => `${named(issue.path.join('.'))}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * The flag of each environment variable a command's options read (`SCALER_INTERVAL_SECONDS` →
 * `--interval`), for `readEnv` to name both: a value may have come from either.
 */
export function envFlagNames(command: Command): Record<string, string> {
  return Object.fromEntries(command.options.flatMap((option) => (option.envVar && option.long ? [[option.envVar, option.long]] : [])));
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An integer env var with a default, e.g. `PORT: intVar(3000)`. Empty strings count as unset. */
export const intVar = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? fallback : value),
    z.coerce.number().int().min(min).max(max),
  );

/** A byte-size env var: a plain number of bytes, or a number with a unit (`10MB`, `1.5GiB`). */
export const bytesVar = (fallback: number) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : value), z.union([z.number(), z.string()]))
    .transform((value, ctx) => {
      const bytes = typeof value === 'number' ? value : parseByteSize(value);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: `not a byte size: ${String(value)} (e.g. 1048576, 10MB, 2GiB)` });
        return z.NEVER;
      }
      return bytes;
    });

export const stringVar = (fallback: string) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : value), z.string());

/** A Redis URL ioredis can use: redis:// or rediss://, a host, a port in range (`redis://host:6379/0`). */
export const redisUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'expected a URL such as redis://host:6379 (or rediss:// for TLS), with a port from 1 to 65535' },
);

const UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30,
};

export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!match) return undefined;
  const factor = UNITS[(match[2] ?? '').toLowerCase() || 'b'];
  if (factor === undefined) return undefined;
  // A count of 309 digits or more is too large for a number: no byte size, rather than an
  // Infinity that, as a limit, lets everything through.
  const bytes = Math.floor(Number(match[1]) * factor);
  return Number.isFinite(bytes) ? bytes : undefined;
}
