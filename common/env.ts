import type { Command } from 'commander';
import { z } from 'zod';
import { SECRET_SETTINGS, withSecretFiles, type SettingSource } from './secretFiles.js';

/**
 * Reads configuration from environment variables through a zod schema, so a bad value stops the
 * process at start-up with a message naming the variable, instead of surfacing as a strange
 * failure later. A secret setting of the schema (`SECRET_SETTINGS`: INFLUX_PASSWORD, ...) may be
 * given as a file, `INFLUX_PASSWORD_FILE=/run/secrets/…` (`secretFiles.ts`): read here, where
 * every command's configuration passes, so that each command takes it alike.
 */
export function readEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env, flags: EnvFlags = {}): z.infer<S> {
  const settings = schema instanceof z.ZodObject ? SECRET_SETTINGS.filter((setting) => setting in schema.shape) : [];
  const secrets = withSecretFiles(env, settings, (setting) => flags[setting]?.source);
  if (secrets.problems.length > 0) throw new ConfigError(`invalid configuration: ${secrets.problems.join('; ')}`);
  const parsed = schema.safeParse(secrets.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${settingName(issue.path.join('.'), flags)}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** A setting as an operator sets it: `--interval (SCALER_INTERVAL_SECONDS)` where a flag sets the variable too, else the variable alone. */
export function settingName(variable: string, flags: EnvFlags): string {
  const flag = flags[variable]?.flag;
  return flag ? `${flag} (${variable})` : variable;
}

/**
 * The flags of a command that set environment variables, by variable:
 * `REDIS_URL` → `{ flag: '--redis-url', source: 'default' }` (`envFlags`).
 */
export type EnvFlags = Readonly<Record<string, EnvFlag>>;

/**
 * The flag that sets a variable, for `readEnv` to name both (a value may have come from either),
 * and where the value came from, for `readEnv` to tell a flag given on the command line, which
 * wins over a secret's file, and a flag's default, which gives way to it, from a variable the
 * operator set: the commands pass their flags' values on as variables, which by then look alike.
 */
export interface EnvFlag {
  readonly flag: string;
  readonly source: SettingSource;
}

/**
 * The flag of each environment variable a command's options read (`SCALER_INTERVAL_SECONDS` →
 * `--interval`) and where its value came from, as the command line left them: each command passes
 * it to `readEnv` with the variables.
 */
export function envFlags(command: Command): EnvFlags {
  const flags: Record<string, EnvFlag> = {};
  for (const option of command.options) {
    if (option.envVar && option.long) flags[option.envVar] = { flag: option.long, source: command.getOptionValueSource(option.attributeName()) as SettingSource };
  }
  return flags;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * An integer env var with a default, from `min` to `max`, e.g. `PORT: intVar(3000, 1, 65535)`.
 * Empty strings count as unset. Only decimal digits (and a sign) are a number here: `0x10`,
 * `1e3` or `12abc` are refused rather than read as something the operator did not write. A
 * refusal names the range and the value: `expected a whole number from 1 to 64, got "x"`.
 */
export const intVar = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : value), z.union([z.number(), z.string()]))
    .transform((value, ctx) => {
      const number = typeof value === 'number' ? value : WHOLE_NUMBER.test(value) ? Number(value) : Number.NaN;
      const expected = `expected a whole number${rangeText(min, max, String)}, got ${JSON.stringify(String(value))}`;
      const problem = !Number.isSafeInteger(number) ? expected : outOfRange(number, min, max, expected);
      if (problem === undefined) return number;
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    });

/**
 * A byte-size env var: a plain number of bytes, or a number with a unit (`10MB`, `1.5GiB`), from
 * `min` to `max` bytes. A refusal names the range in units and the value: `Too small: expected a
 * size from 64KiB to 4GiB, got "0"`.
 */
export const bytesVar = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : value), z.union([z.number(), z.string()]))
    .transform((value, ctx) => {
      const bytes = typeof value === 'number' ? value : parseByteSize(value);
      const got = `got ${JSON.stringify(String(value))}`;
      const range = rangeText(min, max, formatByteSize, true);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: `not a byte size: expected a size${range} (a number of bytes, or with a unit: 1048576, 10MB, 2GiB), ${got}` });
        return z.NEVER;
      }
      // "0.01KiB" is 10 bytes: a value in units says what it came to.
      const problem = outOfRange(bytes, min, max, `expected a size${range}, ${got}${typeof value === 'string' && !/^\s*\d+\s*$/.test(value) ? ` (${bytes} bytes)` : ''}`);
      if (problem === undefined) return bytes;
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    });

const WHOLE_NUMBER = /^\s*[-+]?\d+\s*$/;

/**
 * " from 1 to 64", " of at least 100", or nothing for a range with no bounds to speak of; a size
 * from 0 is " of at most 256MiB" (sizes are never negative: "from 0 bytes" says nothing).
 */
function rangeText(min: number, max: number, format: (n: number) => string, fromZeroGoesWithoutSaying = false): string {
  if (max >= Number.MAX_SAFE_INTEGER) return min <= 0 ? '' : ` of at least ${format(min)}`;
  if (min <= 0 && fromZeroGoesWithoutSaying) return ` of at most ${format(max)}`;
  return ` from ${format(min)} to ${format(max)}`;
}

/** The refusal of a number outside `[min, max]` ("Too small: …", "Too big: …"), or undefined. */
function outOfRange(value: number, min: number, max: number, expected: string): string | undefined {
  if (value < min) return `Too small: ${expected}`;
  if (value > max) return `Too big: ${expected}`;
  return undefined;
}

/** A byte count in the largest binary unit that divides it (`65536` → `64KiB`), else in bytes. */
export function formatByteSize(bytes: number): string {
  for (const [unit, factor] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes} bytes`;
}

/**
 * A true-or-false env var: `true`/`false` or `1`/`0`; empty counts as unset. A refusal says which
 * values are taken (`expected true, false, 1 or 0, got "yes"`), where zod's own said only
 * `Invalid input`.
 */
export const booleanVar = (fallback: boolean) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : value), z.union([z.boolean(), z.string()]))
    .transform((value, ctx) => {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      ctx.addIssue({ code: 'custom', message: `expected true, false, 1 or 0, got ${JSON.stringify(value)}` });
      return z.NEVER;
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
