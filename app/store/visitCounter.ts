import type { Redis } from 'ioredis';

const KEY = 'visits';

/**
 * Takes one visit back (KEYS[1], field ARGV[1]) and drops a counter that falls to zero, so that a
 * user whose only visit was taken back is not listed with 0.
 */
const TAKE_BACK = `
local count = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if count <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return count
`;

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
   *
   * An increment sent and still unanswered when the request is answered 503 (Redis accepts and
   * does not answer: stopped, or stuck on a long command) runs whenever Redis comes back; so a
   * decrement is sent right behind it, on the same connection, which Redis runs after it and
   * before anything the client sends next. Before, that visit counted, and the client's retry
   * counted a second one.
   */
  async hit(user: string, answeredLate?: AbortSignal): Promise<number> {
    if (this.redis.status !== 'ready') await this.redis.ping();
    answeredLate?.throwIfAborted();
    const increment = this.redis.hincrby(KEY, user, 1);
    const takeBack = () => void this.redis.eval(TAKE_BACK, 1, KEY, user).catch(() => undefined);
    answeredLate?.addEventListener('abort', takeBack, { once: true });
    try {
      return await increment;
    } finally {
      answeredLate?.removeEventListener('abort', takeBack);
    }
  }

  async all(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(KEY);
    return Object.fromEntries(Object.entries(raw).map(([user, count]) => [user, Number(count)]));
  }
}
