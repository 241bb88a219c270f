import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../common/logger.js';
import { DependencyTimeoutError, DependencyUnreachableError } from '../../common/unanswered.js';

/**
 * Leader election for scaler instances: one Redis key held with `SET NX PX` and renewed well
 * before it expires. Only the holder decides and acts; the others watch and take over when the
 * holder stops renewing (crash, partition), one TTL later at most.
 *
 * Every acquisition takes a fencing token from a counter (`INCR`), strictly larger than any
 * earlier holder's. The token goes with everything the holder writes (decision records, replica
 * labels) and `confirm()` re-checks, atomically in Redis, that the key still holds our value right
 * before an action. Docker cannot reject a stale token the way a fenced store would, so the
 * remaining window is the time between `confirm()` and the Engine API call (milliseconds), not a
 * whole TTL.
 */
export interface LeaseOptions {
  readonly redis: Redis;
  readonly logger: Logger;
  /** Redis key of the lease; instances that should exclude each other share it. */
  readonly key?: string;
  readonly ttlMs?: number;
  /** How often the holder renews (and a non-holder tries to acquire); well under the TTL. */
  readonly renewEveryMs?: number;
  /** Identifies this instance in the key's value and in logs. */
  readonly holderId?: string;
  /**
   * How long one command may go unanswered (default: a third of the TTL, the renewal period). A
   * Redis that takes commands and never answers held the first acquire (the start) and each check
   * before an action for good.
   */
  readonly commandTimeoutMs?: number;
  /** The setting that sets `commandTimeoutMs`, as the operator knows it (for the messages). */
  readonly commandTimeoutSetting?: string;
}

/**
 * What a failed lease command becomes, in one line: `Redis at <host:port>: <what> failed: <why>`,
 * the client's error kept as `cause`. A deadline passed is already a DependencyTimeoutError (the
 * lease keeps the deadline itself: ioredis's own `commandTimeout` rejects with a bare "Command timed
 * out" that no code or type tells from other failures) and passes unchanged.
 */
export function leaseCommandFailure(error: unknown, redisAt: string, request: string, connectionError?: Error): Error {
  if (error instanceof DependencyTimeoutError) return error;
  // ioredis's own words for a connection that could not be made ("Reached the max retries per
  // request limit (which is 1). Refer to "maxRetriesPerRequest" option…", "Connection is closed.")
  // name its options, not the cause: the connection's own error says it (`connect ECONNREFUSED 127.0.0.1:6390`).
  if (connectionError !== undefined && isClientNotConnected(error)) return new DependencyUnreachableError(`Redis at ${redisAt}`, request, connectionError);
  return new DependencyUnreachableError(`Redis at ${redisAt}`, request, error);
}

/** ioredis failing a command because it has no connection (not Redis answering with an error). */
function isClientNotConnected(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'MaxRetriesPerRequestError' || /^Connection is closed\.?$|Stream isn't writeable/.test(error.message);
}

/** Why a connection attempt failed, in the system's words; a host name with several addresses fails with an AggregateError whose own message is empty. */
function connectionErrorText(error: Error): string {
  if (error.message) return error.message;
  if (error instanceof AggregateError) return (error.errors as unknown[]).map((each) => (each instanceof Error ? connectionErrorText(each) : String(each))).join('; ');
  return (error as NodeJS.ErrnoException).code ?? error.name;
}

/** A lease command given up because the lease was stopped meanwhile: not a failure of Redis, and never reported. */
class LeaseStoppedError extends Error {
  override name = 'LeaseStoppedError';
}

/**
 * What the check right before an action found. `lost`: the lease is not ours (another instance
 * took it, or it was never taken or was handed back). `unconfirmed`: Redis did not answer, so
 * whether it is still ours is not known; `reason` is Redis's failure in one line. Either way the
 * holder does not act, but only `lost` means another instance may be acting.
 */
export type LeaseConfirmation = { readonly status: 'ours' } | { readonly status: 'lost' } | { readonly status: 'unconfirmed'; readonly reason: string };

export interface LeaseStatus {
  readonly held: boolean;
  readonly token: number | undefined;
  readonly holderId: string;
}

/** The lease's default command deadline, and the words that say where it comes from. */
export function defaultCommandTimeoutMs(ttlMs: number): number {
  return Math.max(100, Math.floor(ttlMs / 3));
}
const DEFAULT_COMMAND_TIMEOUT_SETTING = 'a third of --lease-ttl, SCALER_LEASE_TTL_MS';

/** Extends the TTL only if the key still holds our value: check and act in one atomic step. */
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the key only if it is still ours (never someone else's newer lease). */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class RedisLease {
  private readonly redis: Redis;
  private readonly logger: Logger;
  readonly key: string;
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  readonly holderId: string;
  private value: string | undefined;
  private token: number | undefined;
  /** Local deadline: past it we stop trusting the lease even if Redis cannot be asked. */
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly commandTimeoutMs: number;
  private readonly commandTimeoutSetting: string;
  /** `host:port`, never the URL: it may carry a password. */
  private readonly redisAt: string;
  /** Why the last command failed, until one succeeds. */
  private lastProblem: string | undefined;
  /** Why the client's last connection attempt failed, until it is ready again (ioredis's command errors do not say). */
  private connectionError: Error | undefined;
  /** Aborted by `stop`: a renewal or acquire still waiting on Redis is given up at once, said nowhere. */
  private readonly stopping = new AbortController();
  /** The value an acquire in flight is setting, until it is known whether it did. */
  private acquiring: string | undefined;

  constructor(options: LeaseOptions) {
    this.redis = options.redis;
    this.logger = options.logger;
    this.key = options.key ?? 'scalewright:scaler:lease';
    this.ttlMs = options.ttlMs ?? 15_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.floor(this.ttlMs / 3);
    this.holderId = options.holderId ?? randomUUID();
    this.commandTimeoutMs = options.commandTimeoutMs ?? defaultCommandTimeoutMs(this.ttlMs);
    this.commandTimeoutSetting = options.commandTimeoutSetting ?? DEFAULT_COMMAND_TIMEOUT_SETTING;
    this.redisAt = `${this.redis.options.host ?? 'localhost'}:${this.redis.options.port ?? 6379}`;
    this.redis.on('error', (error: Error) => {
      // Only a connection's failure: an error a command got back is that command's to report.
      if ((error as NodeJS.ErrnoException).code !== undefined || error instanceof AggregateError) this.connectionError = new Error(connectionErrorText(error));
    });
    this.redis.on('ready', () => (this.connectionError = undefined));
  }

  /** Why Redis could not be asked the last time (one line), until a command succeeds again. */
  problem(): string | undefined {
    return this.lastProblem;
  }

  /** One lease command under the lease's deadline; a failure says where, what, and (past the deadline) which setting. */
  /** `stoppable`: given up (a LeaseStoppedError) when the lease is stopped meanwhile; the hand-back is not. */
  private async ask<T>(request: string, command: () => Promise<T>, stoppable = true): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let onStop: (() => void) | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DependencyTimeoutError({ dependency: `Redis at ${this.redisAt}`, request, deadlineMs: this.commandTimeoutMs, setting: this.commandTimeoutSetting })), this.commandTimeoutMs);
      if (!stoppable) return;
      onStop = () => reject(new LeaseStoppedError(`lease stopped: ${request} given up`));
      if (this.stopping.signal.aborted) onStop();
      else this.stopping.signal.addEventListener('abort', onStop, { once: true });
    });
    try {
      const answer = await Promise.race([command(), deadline]);
      this.lastProblem = undefined;
      return answer;
    } catch (error) {
      if (error instanceof LeaseStoppedError) throw error;
      const failure = leaseCommandFailure(error, this.redisAt, request, this.connectionError);
      this.lastProblem = failure.message;
      throw failure;
    } finally {
      clearTimeout(timer);
      if (onStop) this.stopping.signal.removeEventListener('abort', onStop);
    }
  }

  status(): LeaseStatus {
    return { held: this.isHeld(), token: this.isHeld() ? this.token : undefined, holderId: this.holderId };
  }

  /** Held by us, as far as we know without asking Redis (the local deadline has a safety margin). */
  isHeld(): boolean {
    return this.value !== undefined && Date.now() < this.validUntil;
  }

  /** Tries once to acquire (or renew, if held). Returns whether we hold it afterwards. */
  async tick(): Promise<boolean> {
    const started = Date.now();
    try {
      if (this.value !== undefined) {
        const value = this.value;
        const renewed = Number(await this.ask(`lease renew (EVAL check-and-extend of ${this.key})`, () => this.redis.eval(RENEW_SCRIPT, 1, this.key, value, String(this.ttlMs))));
        if (renewed === 1) {
          this.validUntil = started + this.ttlMs - this.safetyMs();
          return true;
        }
        this.logger.warn({ key: this.key, token: this.token }, 'scaler lease lost: another instance holds it now; stopping all actions');
        this.value = undefined;
        this.token = undefined;
      }
      const token = await this.ask(`lease acquire (INCR ${this.key}:fence)`, () => this.redis.incr(`${this.key}:fence`));
      const value = `${this.holderId}:${token}`;
      this.acquiring = value;
      const set = await this.ask(`lease acquire (SET ${this.key} NX PX ${this.ttlMs})`, () => this.redis.set(this.key, value, 'PX', this.ttlMs, 'NX'));
      this.acquiring = undefined;
      if (set === 'OK') {
        this.value = value;
        this.token = token;
        this.validUntil = started + this.ttlMs - this.safetyMs();
        this.logger.info({ key: this.key, token, holder: this.holderId }, 'scaler lease acquired: this instance decides and acts');
        return true;
      }
      return false;
    } catch (error) {
      // Stopped meanwhile (the scaler is ending): what Redis would have answered matters no more,
      // and a line after the scaler's last one ("the reason is the last log line") would mislead.
      if (this.stopped) return false;
      this.acquiring = undefined;
      // Redis unreachable: keep trusting the lease only until its local deadline.
      const held = this.isHeld();
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        { error: message, heldUntil: this.value ? new Date(this.validUntil).toISOString() : undefined },
        `scaler lease: ${message}; ${held ? `trusted until ${new Date(this.validUntil).toISOString()}` : 'not held: this instance does not act'}`,
      );
      return held;
    }
  }

  /**
   * Asks Redis, right before an action, whether the lease is still ours (and extends it). Anything
   * but `ours` means: do not act. Nothing is logged here: the caller says it, with the service and
   * the action it is not taking.
   */
  async confirm(): Promise<LeaseConfirmation> {
    if (this.value === undefined) return { status: 'lost' };
    try {
      const started = Date.now();
      const value = this.value;
      const renewed = Number(await this.ask(`lease check before acting (EVAL check-and-extend of ${this.key})`, () => this.redis.eval(RENEW_SCRIPT, 1, this.key, value, String(this.ttlMs))));
      if (renewed === 1) {
        this.validUntil = started + this.ttlMs - this.safetyMs();
        return { status: 'ours' };
      }
      this.value = undefined;
      this.token = undefined;
      return { status: 'lost' };
    } catch (error) {
      // The lease stays trusted to its local deadline, as after a failed renewal: one unanswered
      // check is not another instance holding it.
      return { status: 'unconfirmed', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Renews (or tries to acquire) in the background every `renewEveryMs` until `stop()`, the first
   * time one period from now: the caller has just asked (`tick()`). Asked again at once, a
   * `--once` pass that ended at once left that second ask waiting on Redis after its last line.
   */
  start(): this {
    if (this.timer || this.stopped) return this;
    const loop = async () => {
      if (this.stopped) return;
      await this.tick();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.renewEveryMs);
    };
    this.timer = setTimeout(() => void loop(), this.renewEveryMs);
    return this;
  }

  /** Stops renewing and hands the lease back, so another instance can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // A renewal or acquire in flight is given up now: against a Redis that refuses or does not
    // answer it held the stop (and the process) for its deadline, then logged after the last line.
    this.stopping.abort();
    // An acquire given up may still land (its SET sent): handed back too. One connection keeps the
    // order, so the check-and-delete runs after that SET; it deletes only our own value.
    const value = this.value ?? this.acquiring;
    this.acquiring = undefined;
    if (value === undefined) return;
    await this.ask(`lease hand-back (EVAL check-and-delete of ${this.key})`, () => this.redis.eval(RELEASE_SCRIPT, 1, this.key, value), false).catch(() => undefined);
    this.value = undefined;
    this.token = undefined;
  }

  /** Clock drift and a slow Redis round trip eat into the TTL: trust it for less. */
  private safetyMs(): number {
    return Math.max(500, Math.floor(this.ttlMs / 5));
  }
}

/** For a single instance without Redis: always held, token 0. */
export class LocalLease {
  readonly holderId = 'local';
  isHeld(): boolean {
    return true;
  }
  status(): LeaseStatus {
    return { held: true, token: 0, holderId: this.holderId };
  }
  problem(): string | undefined {
    return undefined;
  }
  async confirm(): Promise<LeaseConfirmation> {
    return { status: 'ours' };
  }
  async tick(): Promise<boolean> {
    return true;
  }
  start(): this {
    return this;
  }
  async stop(): Promise<void> {}
}

/** What the loop needs of a lease. */
export interface Lease {
  readonly holderId: string;
  isHeld(): boolean;
  status(): LeaseStatus;
  /** Why the lease store could not be asked the last time, until it answers again. */
  problem(): string | undefined;
  confirm(): Promise<LeaseConfirmation>;
  tick(): Promise<boolean>;
  start(): unknown;
  stop(): Promise<void>;
}
