import { describe, it, expect } from 'vitest';
import { prefixKeyOf, sortIdsByCount, sortIdsByWord } from '../../app/wordcount/sortIds.js';
import { compareBytes } from '../../app/wordcount/wordTable.js';

/** Random words over a tiny alphabet (many shared prefixes, NUL bytes, lengths 0-9) and counts. */
function sample(n: number, seed: number): { words: Buffer[]; counts: number[] } {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8;
  const words: Buffer[] = [];
  const counts: number[] = [];
  const seen = new Set<string>();
  while (words.length < n) {
    const word = Buffer.from(Array.from({ length: next() % 10 }, () => [0, 97, 98, 0xc3, 0xe9][next() % 5]!));
    if (seen.has(word.toString('latin1'))) continue;
    seen.add(word.toString('latin1'));
    words.push(word);
    counts.push(next() % 7 === 0 ? 2 ** 31 + (next() % 5) * 2 ** 20 : 1 + (next() % 4));
  }
  return { words, counts };
}

describe('sorting table ids in place', () => {
  const { words, counts } = sample(3000, 11);
  const compareWords = (a: number, b: number): number => compareBytes(words[a]!, 0, words[a]!.length, words[b]!, 0, words[b]!.length);
  const prefix = (id: number): number => prefixKeyOf(words[id]!, 0, words[id]!.length);
  const ids = (): Int32Array => Int32Array.from(words.keys());

  it('orders by word bytes, a prefix before its extensions', () => {
    const sorted = ids();
    sortIdsByWord(sorted, prefix, compareWords, new Float64Array(sorted.length));
    const expected = [...words.keys()].sort(compareWords);
    expect([...sorted]).toEqual(expected);
  });

  it('orders by count descending then word, giant counts included', () => {
    const sorted = ids();
    sortIdsByCount(sorted, (id) => counts[id]!, prefix, compareWords, new Float64Array(sorted.length));
    const expected = [...words.keys()].sort((a, b) => counts[b]! - counts[a]! || compareWords(a, b));
    expect([...sorted]).toEqual(expected);
  });

  it('falls back to a comparison sort when the scratch space is too small', () => {
    const sorted = ids();
    sortIdsByWord(sorted, prefix, compareWords, new Float64Array(0));
    expect([...sorted]).toEqual([...words.keys()].sort(compareWords));
  });
});
