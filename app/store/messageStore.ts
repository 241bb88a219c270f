import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Messages by the sha256 of their UTF-8 bytes. Kept without expiry: a digest, once given, stays valid. */
export class MessageStore {
  constructor(private readonly redis: Redis) {}

  async put(message: string): Promise<string> {
    const digest = sha256Hex(message);
    await this.redis.set(`message:${digest}`, message);
    return digest;
  }

  async get(digest: string): Promise<string | null> {
    return this.redis.get(`message:${digest.toLowerCase()}`);
  }
}
