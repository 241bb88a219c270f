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
export function leaseCommandFailure(error: unknown, redisAt: string, request: string): Error {
  if (error instanceof DependencyTimeoutError) return error;
  return new DependencyUnreachableError(`Redis at ${redisAt}`, request, error);
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
  }

  /** Why Redis could not be asked the last time (one line), until a command succeeds again. */
  problem(): string | undefined {
    return this.lastProblem;
  }

  /** One lease command under the lease's deadline; a failure says where, what, and (past the deadline) which setting. */
  private async ask<T>(request: string, command: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DependencyTimeoutError({ dependency: `Redis at ${this.redisAt}`, request, deadlineMs: this.commandTimeoutMs, setting: this.commandTimeoutSetting })), this.commandTimeoutMs);
    });
    try {
      const answer = await Promise.race([command(), deadline]);
      this.lastProblem = undefined;
      return answer;
    } catch (error) {
      const failure = leaseCommandFailure(error, this.redisAt, request);
      this.lastProblem = failure.message;
      throw failure;
    } finally {
      clearTimeout(timer);
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
      const set = await this.ask(`lease acquire (SET ${this.key} NX PX ${this.ttlMs})`, () => this.redis.set(this.key, value, 'PX', this.ttlMs, 'NX'));
      if (set === 'OK') {
        this.value = value;
        this.token = token;
        this.validUntil = started + this.ttlMs - this.safetyMs();
        this.logger.info({ key: this.key, token, holder: this.holderId }, 'scaler lease acquired: this instance decides and acts');
        return true;
      }
      return false;
    } catch (error) {
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

  /** Renews in the background until `stop()`. */
  start(): this {
    if (this.timer) return this;
    const loop = async () => {
      if (this.stopped) return;
      await this.tick();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.renewEveryMs);
    };
    void loop();
    return this;
  }

  /** Stops renewing and hands the lease back, so another instance can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.value === undefined) return;
    const value = this.value;
    await this.ask(`lease hand-back (EVAL check-and-delete of ${this.key})`, () => this.redis.eval(RELEASE_SCRIPT, 1, this.key, value)).catch(() => undefined);
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
