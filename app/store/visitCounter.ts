import type { Redis } from 'ioredis';

const KEY = 'visits';

/** Per-user request counters of the sample-task seed, one Redis hash shared by all replicas. */
export class VisitCounter {
  constructor(private readonly redis: Redis) {}

  async hit(user: string): Promise<number> {
    return this.redis.hincrby(KEY, user, 1);
  }

  async all(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(KEY);
    return Object.fromEntries(Object.entries(raw).map(([user, count]) => [user, Number(count)]));
  }
}
