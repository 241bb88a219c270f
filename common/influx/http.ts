import type { InfluxConnection } from './config.js';

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
