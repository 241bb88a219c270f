import type { Redis } from 'ioredis';

/**
 * Binary payloads of jobs (the PNG to randomize, and its result) kept in Redis so that any
 * replica can serve them. Every blob expires: inputs once a worker is done with them, results
 * after the documented retention.
 */
export class BlobStore {
  constructor(private readonly redis: Redis, private readonly ttlSeconds: number) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.redis.set(`blob:${key}`, bytes, 'EX', this.ttlSeconds);
  }

  async get(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(`blob:${key}`);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(`blob:${key}`);
  }
}

export const randomizeInputKey = (token: string): string => `randomize:${token}:input`;
export const randomizeResultKey = (token: string): string => `randomize:${token}:result`;
