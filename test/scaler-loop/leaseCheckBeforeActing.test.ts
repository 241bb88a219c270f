/**
 * Right before an action, the lease holder checks in Redis that the lease is still its own, and
 * acts only if it is. When it is not, the log says which of two things it was: the lease lost
 * (another instance holds it now, and may be acting), or not confirmed (Redis did not answer: no
 * other instance is known to act, and the place to look is Redis). Before, both were logged as
 * "lease lost just before acting", and a Redis that did not answer sent the operator looking for
 * a second scaler.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actuator } from '../../scaler/actuators/actuator.js';
import { RedisLease } from '../../scaler/lease/redisLease.js';
import { ScalerLoop } from '../../scaler/loop/controller.js';
import { scalerMetrics } from '../../scaler/loop/metrics.js';
import { serviceWindowFrom } from '../../scaler/loop/serviceWindow.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis.js';
import { scalerLoopOptions } from './support/loopOptions.js';
import { burstRows, burstServiceState, now } from './support/burstScenario.js';


let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** A loop applying decisions (a scale-out of `web`, on a platform that only records what it is asked) under `lease`. */
function loopUnder(lease: RedisLease) {
  const asked: string[] = [];
  const actuator: Actuator = {
    kind: 'swarm', // replicas only: one action, no start-up bridge
    listServices: async () => ['web'],
    observe: async (service) => burstServiceState(service),
    tidy: async () => 0,
    setReplicas: async (service, replicas) => void asked.push(`${service}: ${replicas} replicas`),
    setLimits: async (service) => void asked.push(`${service}: limits`),
  };
  const { logger, lines } = capturingLogger('info');
  const metrics = scalerMetrics();
  const loop = new ScalerLoop(scalerLoopOptions({ actuator, readWindow: async () => ({ ok: true, window: serviceWindowFrom(burstRows) }), dryRun: false, lease, logger, metrics, now: () => now }));
  const warnings = () => lines.filter((line) => Number(line.level) >= 40);
  /** scalewright_scaler_evaluations_total of `web`, by outcome. */
  const evaluations = async () => Object.fromEntries((await metrics.evaluations.get()).values.map((value) => [value.labels.outcome, value.value]));
  return { loop, asked, warnings, evaluations };
}

/** A lease of a key of its own on the test's redis-server, through a client that gives up a command after one retry (the server may be frozen). */
function leaseOnPrivateRedis() {
  const key = `scalewright:test:${randomUUID().slice(0, 8)}:lease`;
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  const lease = new RedisLease({ redis: client, logger: capturingLogger('silent').logger, key, ttlMs: 3000 });
  return { key, client, lease };
}

describe('the lease check right before an action', () => {
  it('Redis does not answer the check: "lease not confirmed" with Redis\'s own line, not "lease lost"; nothing done', async () => {
    const { key, client, lease } = leaseOnPrivateRedis();
    try {
      expect(await lease.tick()).toBe(true);
      const { loop, asked, warnings, evaluations } = loopUnder(lease);
      redis.freeze();
      const reason = `Redis at 127.0.0.1:${redis.port} did not answer lease check before acting (EVAL check-and-extend of ${key}) within 1 s (set by a third of --lease-ttl, SCALER_LEASE_TTL_MS)`;
      expect(await loop.tick()).toEqual([expect.objectContaining({ service: 'web', outcome: 'no_lease', error: reason })]);
      expect(warnings()).toEqual([expect.objectContaining({ service: 'web', action: 'scale_out', error: reason, msg: `lease not confirmed just before acting (${reason}): not acting` })]);
      expect(asked).toEqual([]);
      expect(await evaluations()).toEqual({ no_lease: 1 });
    } finally {
      redis.thaw();
      await lease.stop();
      client.disconnect();
    }
  });

  it('another instance holds the lease now: "lease lost", and nothing done', async () => {
    const key = `scalewright:test:${randomUUID().slice(0, 8)}:lease`;
    const clientA = new Redis(redis.url);
    const clientB = new Redis(redis.url);
    const quiet = capturingLogger('silent').logger;
    const leaseA = new RedisLease({ redis: clientA, logger: quiet, key, ttlMs: 3000 });
    const leaseB = new RedisLease({ redis: clientB, logger: quiet, key, ttlMs: 3000 });
    try {
      expect(await leaseA.tick()).toBe(true);
      // A's lease ends in Redis (as when it expired during a pause) and B takes it; A has not renewed since, so it still believes it holds it.
      await clientB.del(key);
      expect(await leaseB.tick()).toBe(true);
      const { loop, asked, warnings, evaluations } = loopUnder(leaseA);
      const [report] = await loop.tick();
      expect(report).toMatchObject({ service: 'web', outcome: 'no_lease' });
      expect(report?.error).toBeUndefined();
      expect(warnings()).toEqual([expect.objectContaining({ service: 'web', action: 'scale_out', msg: 'lease lost just before acting: not acting' })]);
      expect(asked).toEqual([]);
      expect(await evaluations()).toEqual({ no_lease: 1 });
    } finally {
      await leaseB.stop();
      clientA.disconnect();
      clientB.disconnect();
    }
  });

  it('says which it was: ours, lost, or unconfirmed with the reason', async () => {
    const { key, client, lease } = leaseOnPrivateRedis();
    try {
      expect(await lease.confirm()).toEqual({ status: 'lost' }); // never taken
      expect(await lease.tick()).toBe(true);
      expect(await lease.confirm()).toEqual({ status: 'ours' });
      redis.freeze();
      expect(await lease.confirm()).toEqual({ status: 'unconfirmed', reason: expect.stringMatching(/^Redis at .* did not answer lease check before acting/) });
      redis.thaw();
      await client.del(key);
      expect(await lease.confirm()).toEqual({ status: 'lost' });
    } finally {
      redis.thaw();
      await lease.stop();
      client.disconnect();
    }
  });
});
