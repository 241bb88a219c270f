import { performance } from 'node:perf_hooks';
import type { Job } from 'bullmq';

/**
 * A running job's BullMQ lock, kept by the run itself (the workers run with `skipLockRenewal`).
 *
 * The lock is the only thing that tells other workers this job's worker is alive. Once it has
 * expired, BullMQ gives the run under way no way back: extending, completing, failing or handing
 * back the job all check the lock's token in Redis (`extendLock`/`extendLocks` and `removeLock`
 * in its Lua scripts), so nothing the run does can be recorded, and a stalled-job check moves the
 * job back to wait, to be run again from the start. A worker cut off from Redis for longer than
 * WORKER_LOCK_MS is, seen from Redis, a dead worker. What the run can still do is stop, before
 * anyone can take the job up again: it knows, by its own clock, when the lock it last renewed runs
 * out, without asking Redis. BullMQ's own lock manager neither stops the run nor says why a
 * renewal failed; this one stops it then, and says whether Redis was away or the run was not.
 */
export class LockLost extends Error {
  override name = 'LockLost';
  constructor(
    /** A renewal sent in good time went unanswered, or refused, until the lock ran out: Redis was away, not the worker. */
    readonly redisAway: boolean,
    /** How long the worker had been asking Redis to renew the lock in vain (0: it had not asked). */
    readonly unansweredMs: number,
  ) {
    super(redisAway ? `lock expired: Redis did not renew it for ${Math.round(unansweredMs)} ms` : 'lock lost: not renewed in time, or no longer the run\'s');
  }
}

export interface JobLock {
  /** Aborted, with the LockLost, once the lock is no longer surely this run's. */
  readonly signal: AbortSignal;
  readonly lost: LockLost | undefined;
  /** Stops renewing: BullMQ has recorded the run's end (which removes the lock), or will record nothing. */
  release(): void;
}

type LockedJob = Pick<Job, 'extendLock' | 'processedOn'>;

/**
 * Starts keeping `job`'s lock (taken with `token` for `lockMs`), renewed every quarter of it, until
 * released or lost (`onLost` is then called). Resolves to undefined when the lock turns out not to
 * be this run's at all.
 */
export async function keepJobLock(job: LockedJob, token: string, lockMs: number, onLost: (lost: LockLost) => void = () => undefined): Promise<JobLock | undefined> {
  const now = (): number => performance.now();
  // When the renewal whose answer gave the lock its current expiry was sent: Redis set the
  // expiry when it ran it, later, so the lock lasts at least `lockMs` from this moment.
  let renewedFrom: number;
  // The fetch that took the lock was sent at processedOn (the worker's own clock).
  const lockLeftMs = (job.processedOn ?? Date.now()) + lockMs - Date.now();
  if (lockLeftMs >= lockMs / 2) {
    renewedFrom = now() + lockLeftMs - lockMs;
  } else {
    // The fetch waited on Redis for half the lock or more: when Redis set the lock is unknown,
    // so it may have expired already. One renewal says; the run starts only once it has.
    const sentAt = now();
    if ((await job.extendLock(token, lockMs)) !== 1) return undefined;
    renewedFrom = sentAt;
  }

  const stop = new AbortController();
  let inFlight = false;
  // When the first renewal since the last one Redis granted was sent: unanswered since, or
  // refused (Redis loading its data after a restart, a replica promoted).
  let ungrantedSince: number | undefined;
  let released = false;

  const lose = (lost: LockLost): void => {
    if (stop.signal.aborted) return;
    clearInterval(renewals);
    clearTimeout(expiry);
    stop.abort(lost);
    onLost(lost);
  };
  const expires = (): NodeJS.Timeout =>
    setTimeout(() => {
      const due = renewedFrom;
      // An answer may be waiting to be read (the event loop was held up): once read, it says.
      setImmediate(() => {
        if (released || stop.signal.aborted || renewedFrom !== due) return;
        const unansweredMs = ungrantedSince === undefined ? 0 : now() - ungrantedSince;
        // Renewals go out a quarter of the lock apart: one sent before three quarters of it were
        // gone went out in good time, and Redis did not grant it. Sent later (or not at all), it
        // is the worker that did not turn, its event loop held up for the whole lock: a stall of
        // its own.
        const redisAway = ungrantedSince !== undefined && ungrantedSince <= renewedFrom + (lockMs * 3) / 4;
        lose(new LockLost(redisAway, unansweredMs));
      }).unref();
    }, Math.max(0, renewedFrom + lockMs - now())).unref();
  let expiry = expires();

  const renew = (): void => {
    if (released || stop.signal.aborted || inFlight) return;
    const sentAt = now();
    inFlight = true;
    ungrantedSince ??= sentAt;
    job.extendLock(token, lockMs).then(
      (extended) => {
        inFlight = false;
        if (released || stop.signal.aborted) return;
        if (extended !== 1) return lose(new LockLost(false, 0));
        renewedFrom = sentAt;
        ungrantedSince = undefined;
        clearTimeout(expiry);
        expiry = expires();
      },
      // An error for an answer: the next tick asks again, and the expiry still stands.
      () => (inFlight = false),
    );
  };
  const renewals = setInterval(renew, lockMs / 4).unref();

  return {
    signal: stop.signal,
    get lost() {
      return stop.signal.aborted ? (stop.signal.reason as LockLost) : undefined;
    },
    release: () => {
      released = true;
      clearInterval(renewals);
      clearTimeout(expiry);
    },
  };
}

/**
 * The job log row a worker writes when its run stopped because Redis was away (LockLost with
 * redisAway): the stall BullMQ counts for it is no crash. Job logs go with their job.
 */
export const OUTAGE_STALL_LOG = 'stalled while Redis did not answer its worker';

/**
 * Times a job's workers may die under it (stalls not put down to Redis) and it is still run: the
 * second crash errors it, as BullMQ's `maxStalledCount: 1` did before outages were told apart.
 */
export const MAX_CRASH_STALLS = 1;

/**
 * BullMQ's own limit (maxStalledCount), every stall counted: outages as well as crashes. It is
 * the backstop should the job's log not be readable (jobWorkers' refuseCrashLoop); and a job that Redis was
 * taken from this many times has not been going anywhere either.
 */
export const MAX_STALLS = 10;

/** The stalls of a job that were its worker dying (or hanging), not Redis being away. */
export const crashStalls = (stalledCounter: number, outageStalls: number): number => Math.max(0, stalledCounter - outageStalls);
