import type { Redis } from 'ioredis';

const KEY = 'visits';

/** Per-user request counters of the sample-task seed, one Redis hash shared by all replicas. */
export class VisitCounter {
  constructor(private readonly redis: Redis) {}

  /**
   * Adds one to the user's counter, unless `answeredLate` has aborted by the time the increment
   * would be sent: a request answered 503 for running out of time must not count, since its client
   * was told it failed and may come again. While the connection is not ready (the app started
   * before Redis answered), a command waits in ioredis's offline queue and goes whenever Redis
   * comes, however late; so a PING waits there instead, and the increment is sent, straight onto
   * the socket, once that is answered and only if the request is still unanswered. (A connection
   * that has been ready once queues nothing: the PING fails at once, as the increment would.)
   * Once sent, the increment stands.
   */
  async hit(user: string, answeredLate?: AbortSignal): Promise<number> {
    if (this.redis.status !== 'ready') await this.redis.ping();
    answeredLate?.throwIfAborted();
    return this.redis.hincrby(KEY, user, 1);
  }

  async all(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(KEY);
    return Object.fromEntries(Object.entries(raw).map(([user, count]) => [user, Number(count)]));
  }
}
