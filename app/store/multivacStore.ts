import type { Redis } from 'ioredis';
import type { MultivacKnowledge } from '../multivac/answer.js';

const COUNT = 'multivac:data_processed';
const WORDS = 'multivac:word_counts';
const learntKey = (datum: string): string => `multivac:learnt:${datum}`;

/**
 * Adds a datum's words and counts it, unless that datum has been learnt already (KEYS[3] set):
 * one script, so the mark and the counts land together or not at all.
 * ARGV: the mark's expiry in seconds, then word, count, word, count...
 */
const LEARN_ONCE = `
if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[1]) then return 0 end
for i = 2, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i]) end
redis.call('INCR', KEYS[2])
return 1
`;

/** What MultiVAC has learnt: how many data were processed and how often each word occurred. */
export class MultivacStore {
  /** `ttlSeconds`: how long a datum's "learnt" mark is kept; it must outlive the datum's job and its retries. */
  constructor(private readonly redis: Redis, private readonly ttlSeconds = 86_400) {}

  /**
   * Learns the words of the datum `datum` (its job's token) once, however many times this is
   * called for it. A job is run again after its worker died, after an attempt that failed past
   * this point (its completion not recorded while Redis was away), or this very script is sent
   * again by ioredis after a reconnection when its answer was lost: before, each of these counted
   * the datum again, in the tally and in "AFTER <n> DATA". True when this call learnt it.
   */
  async learn(datum: string, wordCounts: Map<string, number>): Promise<boolean> {
    const pairs = [...wordCounts].flatMap(([word, count]) => [word, String(count)]);
    const learnt = await this.redis.eval(LEARN_ONCE, 3, WORDS, COUNT, learntKey(datum), String(this.ttlSeconds), ...pairs);
    return learnt === 1;
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
