/**
 * A request a dependency took and did not answer in time, said the way an operator needs it in one
 * log line: which dependency (and where), what it was asked, the deadline, and the setting that
 * sets it. The libraries' own words ("socket hang up", "This operation was aborted", "Command
 * timed out") name none of these, and the log line is often all there is to go on.
 */
export interface Unanswered {
  /** The dependency and where it is: `Docker engine at /var/run/docker.sock`, `Redis at 10.0.0.7:6379`. */
  readonly dependency: string;
  /** What it was asked: `POST /containers/3f2a1b4c5d6e/update`, `lease renew (EVAL … on <key>)`. */
  readonly request: string;
  readonly deadlineMs: number;
  /** The flag and/or environment variable that sets the deadline, as the operator would change it. */
  readonly setting: string;
}

/** `Redis at 10.0.0.7:6379 did not answer lease renew within 5 s (a third of --lease-ttl, SCALER_LEASE_TTL_MS)`. */
export function unansweredMessage(unanswered: Unanswered): string {
  return `${unanswered.dependency} did not answer ${unanswered.request} within ${seconds(unanswered.deadlineMs)} (set by ${unanswered.setting})`;
}

/** Whole seconds where they are whole (`30 s`), otherwise to the millisecond (`0.5 s`, `1.234 s`). */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * A request a dependency could not be asked at all (refused, reset, a socket missing, a client's
 * retries spent), in the same one line without a deadline: `<dependency>: <request> failed: <why>`.
 */
export class DependencyUnreachableError extends Error {
  override name = 'DependencyUnreachableError';
  constructor(dependency: string, request: string, cause: unknown) {
    super(`${dependency}: ${request} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A dependency's deadline passed; `cause` keeps the library's own error, where there is one (a deadline kept by a timer of ours has none). */
export class DependencyTimeoutError extends Error {
  override name = 'DependencyTimeoutError';
  constructor(
    unanswered: Unanswered,
    cause?: unknown,
  ) {
    super(unansweredMessage(unanswered), cause === undefined ? undefined : { cause });
  }
}
