import { z } from 'zod';
import { intVar, readEnv, stringVar } from '../env.js';
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

export const influxEnvSchema = z.object({
  INFLUX_URL: stringVar('http://127.0.0.1:8086').pipe(z.url()),
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
