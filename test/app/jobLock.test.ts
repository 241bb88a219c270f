/**
 * How a run keeps its job's lock, and what it concludes when the lock runs out: against a stand-in
 * for BullMQ's `job.extendLock` (its Lua script grants 1 while the lock is the run's, 0 when it is
 * gone or another's), with a lock of a fifth of a second.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { crashStalls, keepJobLock, type LockLost } from '../../app/jobs/jobLock.js';

const LOCK_MS = 200;

/** Renewals answered by `answer`, each counted; a job fetched just now unless `processedOn` says. */
function lockedJob(answer: () => Promise<number>, processedOn = Date.now()) {
  const job = { processedOn, renewals: 0, extendLock: async () => (job.renewals++, answer()) };
  return job;
}
const never = (): Promise<number> => new Promise<number>(() => undefined);
const lostOf = (signal: AbortSignal): LockLost => signal.reason as LockLost;

describe('a run keeping its lock', () => {
  it('renews it every quarter of the lock while Redis grants it, and keeps it', async () => {
    const job = lockedJob(async () => 1);
    const lock = await keepJobLock(job, 'token', LOCK_MS);
    await sleep(LOCK_MS * 3);
    expect(lock?.lost).toBeUndefined();
    expect(job.renewals).toBeGreaterThanOrEqual(8);
    lock?.release();
  });

  it('once released, asks Redis nothing more', async () => {
    const job = lockedJob(async () => 1);
    const lock = await keepJobLock(job, 'token', LOCK_MS);
    lock?.release();
    const renewals = job.renewals;
    await sleep(LOCK_MS * 2);
    expect(job.renewals).toBe(renewals);
    expect(lock?.lost).toBeUndefined();
  });
});

describe('a lock that runs out while Redis does not answer', () => {
  it('is given up by the run, with Redis named as the cause, no later than the lock can have expired in Redis', async () => {
    let answering = true;
    const job = lockedJob(() => (answering ? Promise.resolve(1) : never()));
    const lost: LockLost[] = [];
    const lock = await keepJobLock(job, 'token', LOCK_MS, (each) => lost.push(each));
    await sleep(LOCK_MS);
    answering = false;
    // The last renewal granted was sent at most a quarter of the lock ago (one is in flight when
    // answering stops, or goes out next); the lock lasts at least LOCK_MS from when it was sent.
    const cutAt = performance.now();
    await new Promise((stopped) => lock?.signal.addEventListener('abort', stopped));
    expect(performance.now() - cutAt).toBeLessThanOrEqual(LOCK_MS + 20);
    expect(lost).toHaveLength(1);
    expect(lostOf(lock!.signal)).toMatchObject({ redisAway: true });
    expect(lostOf(lock!.signal).unansweredMs).toBeGreaterThan(LOCK_MS / 2);
  });

  it('counts a Redis that answers with errors (loading its data after a restart) as away too', async () => {
    let refusing = false;
    const job = lockedJob(() => (refusing ? Promise.reject(new Error('LOADING Redis is loading the dataset in memory')) : Promise.resolve(1)));
    const lock = await keepJobLock(job, 'token', LOCK_MS);
    await sleep(LOCK_MS / 2);
    refusing = true;
    await new Promise((stopped) => lock?.signal.addEventListener('abort', stopped));
    expect(lostOf(lock!.signal)).toMatchObject({ redisAway: true });
  });
});

describe('a lock lost for other reasons than Redis being away', () => {
  it('Redis says it is no longer the run\'s: given up at once, not put down to Redis', async () => {
    let granted = true;
    const job = lockedJob(async () => (granted ? 1 : 0));
    const lock = await keepJobLock(job, 'token', LOCK_MS);
    await sleep(LOCK_MS / 2);
    granted = false;
    await sleep(LOCK_MS / 2);
    expect(lock?.lost).toMatchObject({ redisAway: false });
  });

  it('the worker\'s event loop held up for longer than the lock: a stall of the worker\'s own, not Redis\'s', async () => {
    // Redis's side of it: the lock's expiry, put off by each renewal as it arrives; the answer is
    // read a round trip later.
    let expiresAt = performance.now() + LOCK_MS;
    const job = lockedJob(async () => {
      const granted = performance.now() < expiresAt;
      if (granted) expiresAt = performance.now() + LOCK_MS;
      await new Promise((roundTrip) => setImmediate(roundTrip));
      return granted ? 1 : 0;
    });
    let lostNow: () => void = () => undefined;
    const lostSeen = new Promise<void>((seen) => (lostNow = seen));
    const lock = await keepJobLock(job, 'token', LOCK_MS, () => lostNow());
    await sleep(LOCK_MS / 2);
    const blockedUntil = performance.now() + LOCK_MS * 1.5;
    while (performance.now() < blockedUntil) {
      // Busy: no timer can fire, no renewal go out.
    }
    // Waited for, not a fixed 10 ms: on a busy machine the process can be held off the CPU past a
    // short sleep, whose timer then fires in the same turn as the expiry, before the loss is read.
    await Promise.race([lostSeen, sleep(LOCK_MS * 5)]);
    expect(lock?.lost).toMatchObject({ redisAway: false });
  });
});

describe('a run whose fetch Redis answered late', () => {
  it('with less than half the lock left by its own clock, starts only once a renewal says the lock is still its own', async () => {
    const stale = Date.now() - LOCK_MS;
    expect(await keepJobLock(lockedJob(async () => 0, stale), 'token', LOCK_MS)).toBeUndefined();
    const lock = await keepJobLock(lockedJob(async () => 1, stale), 'token', LOCK_MS);
    expect(lock?.lost).toBeUndefined();
    lock?.release();
  });
});

describe('which stalls count against a job', () => {
  it('those its worker put down to Redis being away do not', () => {
    expect(crashStalls(2, 2)).toBe(0);
    expect(crashStalls(3, 1)).toBe(2);
    // An outage recorded for a stall BullMQ did not count (the job was handed back in time).
    expect(crashStalls(1, 2)).toBe(0);
  });
});
