import { anySignal } from '../anySignal.js';
import { unansweredMessage, type Unanswered } from '../unanswered.js';
import { DEFAULT_INFLUX_TIMEOUT_MS, type InfluxConnection } from './config.js';

/** Headers that authenticate against InfluxDB 1.x (Basic) or 2.x/3 v1-compat (Token). */
export function authHeaders(connection: InfluxConnection): Record<string, string> {
  switch (connection.auth.kind) {
    case 'none':
      return {};
    case 'basic':
      return { Authorization: `Basic ${Buffer.from(`${connection.auth.user}:${connection.auth.password}`).toString('base64')}` };
    case 'token':
      return { Authorization: `Token ${connection.auth.token}` };
  }
}

export function endpoint(connection: InfluxConnection, path: '/write' | '/query' | '/ping', params: Record<string, string>): string {
  const url = new URL(path, `${connection.url}/`);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/** An answer from InfluxDB that is not success; `retryable` says whether sending again may help. */
export class InfluxHttpError extends Error {
  override name = 'InfluxHttpError';
  constructor(
    message: string,
    readonly status: number,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** 5xx and 429 are the server's trouble and pass; other 4xx mean the request itself is wrong. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * InfluxDB did not answer: the connection was refused or failed, or nothing came back within the
 * request timeout. The message is one line naming the URL, what was asked and, for a timeout, the
 * deadline and its setting, e.g. `InfluxDB at http://influxdb:8086 did not answer GET /query
 * (SELECT …) within 10 s (set by INFLUX_TIMEOUT_MS)`; fetch's own error is the `cause`.
 */
export class InfluxUnreachableError extends Error {
  override name = 'InfluxUnreachableError';
  constructor(
    message: string,
    readonly url: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** What a request to InfluxDB was, for its failure's message, and the setting its timeout comes from. */
export interface InfluxRequest {
  /** In the operator's words (`the window of service web`), or the method, path and statement. */
  readonly request: string;
  /** Default `INFLUX_TIMEOUT_MS`. */
  readonly timeoutSetting?: string;
}

/** The timeout of one request: the caller's, else the connection's (`INFLUX_TIMEOUT_MS`), else 10 s. */
export function requestTimeoutMs(connection: InfluxConnection, timeoutMs?: number): number {
  return timeoutMs ?? connection.timeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS;
}

/**
 * Bounds a request by `timeoutMs` (covering the body too), by the caller's own signal if given, and
 * by the connection's `giveUp` (a run that has given up on this InfluxDB asks it nothing more).
 */
export function requestSignal(connection: InfluxConnection, timeoutMs: number, signal?: AbortSignal): AbortSignal {
  return anySignal([AbortSignal.timeout(timeoutMs), signal, connection.giveUp?.signal]);
}

/**
 * Turns fetch's failures (timeout, refused, reset) into an InfluxUnreachableError; anything else
 * passes unchanged. A timeout is also told to the connection's `giveUp`, and a request that
 * `giveUp` then cut short says so in its own name: failed with the first timeout's error as it
 * was, it named that other request (another service's read, in `scaler --once`) as its own.
 */
export function requestFailure(connection: InfluxConnection, error: unknown, timeoutMs: number, asked: InfluxRequest): unknown {
  if (!(error instanceof Error)) return error;
  const gaveUpOn = connection.giveUp?.reason;
  if (gaveUpOn !== undefined && error === gaveUpOn) {
    return new InfluxUnreachableError(`${asked.request} not waited for: the run had given up on InfluxDB when another request went unanswered (${gaveUpOn.message})`, connection.url, gaveUpOn);
  }
  if (error.name === 'TimeoutError') {
    const unanswered: Unanswered = { dependency: `InfluxDB at ${connection.url}`, request: asked.request, deadlineMs: timeoutMs, setting: asked.timeoutSetting ?? 'INFLUX_TIMEOUT_MS' };
    const failure = new InfluxUnreachableError(unansweredMessage(unanswered), connection.url, error);
    connection.giveUp?.timedOut(failure);
    return failure;
  }
  // fetch's network failures are a bare "TypeError: fetch failed" with the reason in `cause`.
  const cause = (error as Error & { cause?: unknown }).cause;
  if (error instanceof TypeError && cause instanceof Error) {
    // The network error itself is the cause: fetch's "fetch failed" around it says nothing more.
    return new InfluxUnreachableError(`InfluxDB at ${connection.url} is unreachable: ${cause.message}`, connection.url, cause);
  }
  return error;
}

/**
 * `GET /query (SELECT mean("cpu") FROM "service_stats" WHERE … and 3 more statements)`: what a query
 * asked, when its caller gave it no name of its own, short enough for a log line.
 */
export function queryRequestName(method: string, query: string): string {
  const statements = query.split(';').map((statement) => statement.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const first = statements[0] ?? '';
  const shown = first.length > 80 ? `${first.slice(0, 79)}…` : first;
  const more = statements.length > 1 ? ` and ${statements.length - 1} more statement${statements.length > 2 ? 's' : ''}` : '';
  return `${method} /query (${shown}${more})`;
}
