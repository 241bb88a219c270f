import { anySignal } from '../../common/anySignal.js';
import type Docker from 'dockerode';
import { PLATFORM_STOP_TIMEOUT_SETTING, PLATFORM_TIMEOUT_SETTING, platformRequestFailure } from './platformDeadlineError.js';

/** What dockerode hands docker-modem for one request (only what is read here). */
interface DialOptions {
  readonly path: string;
  readonly method: string;
  readonly abortSignal?: AbortSignal;
  readonly isStream?: boolean;
  readonly hijack?: boolean;
}
type DialCallback = (error: unknown, result?: unknown) => void;
interface DialingModem {
  dial(options: DialOptions, callback: DialCallback): void;
}

export interface DockerDeadlines {
  /** Where the engine is, for the messages: `Docker engine at /var/run/docker.sock`. */
  readonly dependency: string;
  /** `--platform-timeout`, in ms. */
  readonly platformTimeoutMs: number;
  /** `--drain`, in ms: a stop is silent while the replica drains. */
  readonly drainMs: number;
}

/**
 * Gives every request the actuators make to the engine a deadline of its own, and makes one that
 * passes it fail naming the engine, the request, the deadline and its setting. docker-modem's own
 * `timeout` ends a silent request with a bare "socket hang up" (it destroys the request without a
 * reason), which cannot be told from an engine that hung up; a deadline signal of our own can.
 * Streams and hijacked connections (none of the actuators' requests) keep no deadline: they are
 * meant to stay open.
 */
export function withRequestDeadlines(docker: Docker, deadlines: DockerDeadlines): Docker {
  const modem = docker.modem as DialingModem;
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    if (options.isStream || options.hijack) return dial(options, callback);
    const { deadlineMs, setting } = dockerDeadline(options.method, options.path, deadlines);
    const deadline = AbortSignal.timeout(deadlineMs);
    const own = options.abortSignal;
    dial({ ...options, abortSignal: anySignal([own, deadline]) }, (error, result) => {
      if (!error) return callback(null, result);
      callback(
        platformRequestFailure(error, {
          dependency: deadlines.dependency,
          request: dockerRequestName(options.method, options.path),
          deadlineMs,
          setting,
          // The caller's own abort is not the deadline.
          timedOut: deadline.aborted && !own?.aborted,
        }),
      );
    });
  };
  return docker;
}

/** A stop waits for the replica to drain (`t` seconds) before the engine answers; every other request gets `--platform-timeout`. */
export function dockerDeadline(method: string, path: string, deadlines: Pick<DockerDeadlines, 'platformTimeoutMs' | 'drainMs'>): { deadlineMs: number; setting: string } {
  return method === 'POST' && /^\/containers\/[^/]+\/stop(\?|$)/.test(path)
    ? { deadlineMs: deadlines.platformTimeoutMs + deadlines.drainMs, setting: PLATFORM_STOP_TIMEOUT_SETTING }
    : { deadlineMs: deadlines.platformTimeoutMs, setting: PLATFORM_TIMEOUT_SETTING };
}

/**
 * `POST /containers/3f2a1b4c5d6e/update`: the method and the path without its query (dockerode
 * ends query-taking paths with `?`), full 64-hex ids cut to the 12 characters `docker ps` shows
 * (the engine takes either).
 */
export function dockerRequestName(method: string, path: string): string {
  const bare = path.split('?')[0] ?? path;
  return `${method} ${bare.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1')}`;
}
