import type { Redis } from 'ioredis';

/**
 * Progress of a chunked job, shared by every worker running one of its chunks: one field per
 * chunk holding the bytes that chunk has done. A chunk that is retried after a crash overwrites
 * its own field, so progress never counts the same bytes twice.
 */
export class ChunkProgressStore {
  constructor(private readonly redis: Redis, private readonly ttlSeconds: number) {}

  private key(token: string): string {
    return `chunkprogress:${token}`;
  }

  async record(token: string, chunkIndex: number, bytesDone: number): Promise<void> {
    await this.redis.multi().hset(this.key(token), String(chunkIndex), String(Math.round(bytesDone))).expire(this.key(token), this.ttlSeconds).exec();
  }

  /** `started` is true once any chunk has begun. */
  async read(token: string): Promise<{ started: boolean; bytesDone: number }> {
    const values = await this.redis.hvals(this.key(token));
    return { started: values.length > 0, bytesDone: values.reduce((sum, value) => sum + Number(value), 0) };
  }

  async forget(token: string): Promise<void> {
    await this.redis.del(this.key(token));
  }
}
