import type { Redis } from 'ioredis';
import type { MultivacKnowledge } from '../multivac/answer.js';

const COUNT = 'multivac:data_processed';
const WORDS = 'multivac:word_counts';

/** What MultiVAC has learnt: how many data were processed and how often each word occurred. */
export class MultivacStore {
  constructor(private readonly redis: Redis) {}

  async learn(wordCounts: Map<string, number>): Promise<void> {
    const tx = this.redis.multi();
    for (const [word, count] of wordCounts) tx.zincrby(WORDS, count, word);
    tx.incr(COUNT);
    await tx.exec();
  }

  async knowledge(topN = 5): Promise<MultivacKnowledge> {
    const [count, top, distinct] = await Promise.all([
      this.redis.get(COUNT),
      this.redis.zrevrange(WORDS, 0, topN - 1, 'WITHSCORES'),
      this.redis.zcard(WORDS),
    ]);
    const topWords: Array<{ word: string; count: number }> = [];
    for (let i = 0; i + 1 < top.length; i += 2) topWords.push({ word: top[i] as string, count: Number(top[i + 1]) });
    const allWords = await this.redis.zmscore(WORDS, 'let', 'there', 'be', 'light');
    return {
      dataProcessed: Number(count ?? 0),
      distinctWords: distinct,
      topWords,
      knowsTheLastAnswer: allWords.every((score) => score !== null),
    };
  }
}
