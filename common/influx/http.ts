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
 * request timeout. The message is one line naming the URL, e.g. `InfluxDB at http://influxdb:8086
 * did not answer within 10000 ms`.
 */
export class InfluxUnreachableError extends Error {
  override name = 'InfluxUnreachableError';
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
  }
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
  const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : []), ...(connection.giveUp ? [connection.giveUp.signal] : [])];
  return signals.length === 1 ? (signals[0] as AbortSignal) : AbortSignal.any(signals);
}

/**
 * Turns fetch's failures (timeout, refused, reset) into an InfluxUnreachableError; anything else
 * passes unchanged (a request cut short by the connection's `giveUp` fails with its reason, the
 * first timeout). A timeout is also told to the connection's `giveUp`.
 */
export function requestFailure(connection: InfluxConnection, error: unknown, timeoutMs: number): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'TimeoutError') {
    const unanswered = new InfluxUnreachableError(`InfluxDB at ${connection.url} did not answer within ${timeoutMs} ms`, connection.url);
    connection.giveUp?.timedOut(unanswered);
    return unanswered;
  }
  // fetch's network failures are a bare "TypeError: fetch failed" with the reason in `cause`.
  const cause = (error as Error & { cause?: unknown }).cause;
  if (error instanceof TypeError && cause instanceof Error) {
    return new InfluxUnreachableError(`InfluxDB at ${connection.url} is unreachable: ${cause.message}`, connection.url);
  }
  return error;
}
