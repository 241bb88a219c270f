import { z } from 'zod';
import { ConfigError, intVar, readEnv, stringVar } from '../env.js';
import type { InfluxGiveUp } from './giveUp.js';

/** How to reach one InfluxDB database through the v1 HTTP API (`/write`, `/query`). */
export interface InfluxConnection {
  /** Base URL, e.g. `http://influxdb:8086` (no trailing slash needed). */
  readonly url: string;
  readonly database: string;
  /** The retention policy points are written to and read from (`raw` unless configured). */
  readonly retentionPolicy: string;
  readonly auth: InfluxAuth;
  /** How long one HTTP request may take before it is abandoned (`INFLUX_TIMEOUT_MS`; 10 s when absent). */
  readonly timeoutMs?: number;
  /** For a run that ends after one pass: after the first request that times out, every request fails at once (`giveUp.ts`). */
  readonly giveUp?: InfluxGiveUp;
}

/** Per-request timeout of every InfluxDB call when `INFLUX_TIMEOUT_MS` is not set. */
export const DEFAULT_INFLUX_TIMEOUT_MS = 10_000;

/**
 * InfluxDB 1.x takes a user and password; 2.x and 3 take a token on their v1-compatible
 * endpoints (`Authorization: Token …`). Both go in a header so they never appear in URLs or logs.
 */
export type InfluxAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly user: string; readonly password: string }
  | { readonly kind: 'token'; readonly token: string };

/** Retention and downsampling, applied by `ensureInfluxSchema`. Durations are InfluxQL literals. */
export interface InfluxRetention {
  readonly rawDuration: string;
  readonly historyPolicy: string;
  readonly historyDuration: string;
  readonly downsampleEvery: string;
}

const duration = z.string().regex(/^(\d+(ns|u|µ|ms|s|m|h|d|w))+$|^INF$/i, 'an InfluxQL duration such as 7d, 12h, 90d or INF');
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and underscores');

/**
 * The base URL of InfluxDB's HTTP API: http or https, a host, an optional port, nothing after.
 * `z.url()` took any scheme (`localhost:8086` parses with the scheme `localhost:`), so a URL no
 * request could use passed as configuration and failed later, at every request. The API paths are
 * set on the origin (`http.ts`): a path, query or fragment here would be dropped without a word,
 * and a user and password in the URL make every request fail (fetch refuses credentials in URLs).
 */
export const influxBaseUrl = z.string().superRefine((text, ctx) => {
  const problem = influxBaseUrlProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** What is wrong with `text` as InfluxDB's base URL, or undefined when nothing is. */
export function influxBaseUrlProblem(text: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:\/\/[^/?#]/i.test(text) || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return `expected an http:// or https:// URL, got ${JSON.stringify(text)}`;
  }
  if (url.username !== '' || url.password !== '') {
    // The password is not echoed: the message goes to logs.
    return `expected no user or password in the URL (set INFLUX_USER and INFLUX_PASSWORD, or INFLUX_TOKEN), got ${JSON.stringify(`${url.protocol}//…@${url.host}`)}`;
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    return `expected the server's address alone, such as http://influxdb:8086 (the API paths /write and /query are added to it), got ${JSON.stringify(text)}`;
  }
  return undefined;
}

/**
 * For a command that takes the URL by a flag of its own rather than through `INFLUX_URL` (the
 * demo's `--influx-url`, `DEMO_INFLUX_URL`): a commander argument parser that refuses it as
 * `readEnv` does, naming `named` (`--influx-url (DEMO_INFLUX_URL)`), before anything is started.
 */
export function influxUrlArgument(named: string): (value: string) => string {
  return (value) => {
    const problem = influxBaseUrlProblem(value);
    if (problem !== undefined) throw new ConfigError(`invalid configuration: ${named}: ${problem}`);
    return value;
  };
}

export const influxEnvSchema = z.object({
  INFLUX_URL: stringVar('http://127.0.0.1:8086').pipe(influxBaseUrl),
  INFLUX_DB: stringVar('scalewright').pipe(identifier),
  INFLUX_USER: z.string().optional(),
  INFLUX_PASSWORD: z.string().optional(),
  INFLUX_TOKEN: z.string().optional(),
  INFLUX_RETENTION_POLICY: stringVar('raw').pipe(identifier),
  INFLUX_RETENTION: stringVar('7d').pipe(duration),
  INFLUX_HISTORY_POLICY: stringVar('history').pipe(identifier),
  INFLUX_HISTORY_RETENTION: stringVar('90d').pipe(duration),
  INFLUX_DOWNSAMPLE_EVERY: stringVar('1m').pipe(duration),
  /** Per-request timeout: an InfluxDB that accepts connections but never answers must not hang the caller. */
  INFLUX_TIMEOUT_MS: intVar(DEFAULT_INFLUX_TIMEOUT_MS, 100, 600_000),
});

export type InfluxEnv = z.infer<typeof influxEnvSchema>;

export function influxConnectionFrom(env: InfluxEnv): InfluxConnection {
  const auth: InfluxAuth = env.INFLUX_TOKEN
    ? { kind: 'token', token: env.INFLUX_TOKEN }
    : env.INFLUX_USER
      ? { kind: 'basic', user: env.INFLUX_USER, password: env.INFLUX_PASSWORD ?? '' }
      : { kind: 'none' };
  return { url: env.INFLUX_URL.replace(/\/+$/, ''), database: env.INFLUX_DB, retentionPolicy: env.INFLUX_RETENTION_POLICY, auth, timeoutMs: env.INFLUX_TIMEOUT_MS };
}

export function influxRetentionFrom(env: InfluxEnv): InfluxRetention {
  return {
    rawDuration: env.INFLUX_RETENTION,
    historyPolicy: env.INFLUX_HISTORY_POLICY,
    historyDuration: env.INFLUX_HISTORY_RETENTION,
    downsampleEvery: env.INFLUX_DOWNSAMPLE_EVERY,
  };
}

/** Reads the INFLUX_* variables; throws ConfigError naming the bad one. */
export function readInfluxEnv(env: NodeJS.ProcessEnv = process.env): InfluxEnv {
  return readEnv(influxEnvSchema, env);
}
