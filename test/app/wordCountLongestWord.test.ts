/**
 * The longest word a word count takes is what its budget says, exactly: half the table's share
 * of a thread's budget, which is 7/16 of it up to 16 MiB a thread and half of it less 1 MiB above
 * (`longestWord`). Before, the reader let a read buffer more through, and the table refused words
 * its arena could not double for: 2 MiB, not 2.2, at a 5 MiB budget, and less still after spills
 * of big tables. A longer word is refused with its length and the budget that counts it
 * (`WordTooLongError`, `budgetForWord`). Counts of the engine, from the sources.
 */
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOwnedTokens, TokenTooLongError } from '../../app/fileChunks/ownedTokens.js';
import { separatorTable } from '../../app/fileChunks/separators.js';
import { budgetForWord, countWordsToFile, longestWord, MAX_BUDGET, WordTooLongError } from '../../app/wordcount/index.js';

let dir: string;
let seq = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-longest-word-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const KiB = 1 << 10;
const MiB = 1 << 20;

async function count(text: string | Buffer, memoryBudgetBytes: number): Promise<string> {
  const input = join(dir, `in-${++seq}.txt`);
  await writeFile(input, text);
  await countWordsToFile(input, `${input}.out`, { memoryBudgetBytes, tmpDir: dir, threads: 1 });
  return readFile(`${input}.out`, 'utf8');
}

describe('longestWord: half the table\'s share of a thread\'s budget', () => {
  it.each([
    [64 * KiB, 28_672],
    [MiB, 458_752],
    [5 * MiB, 2_293_760],
    [16 * MiB, 7 * MiB],
    [32 * MiB, 15 * MiB],
  ])('a budget of %i bytes takes words of up to %i bytes', (budget, longest) => {
    expect(longestWord(budget)).toBe(longest);
  });
});

describe('a word count takes a word of longestWord bytes and refuses one byte more', () => {
  it.each([64 * KiB, 100_000, 5 * MiB])('with a budget of %i bytes', async (budget) => {
    const longest = longestWord(budget);
    expect(await count(`b ${'x'.repeat(longest)} a\n`, budget)).toBe(`a 1\nb 1\n${'x'.repeat(longest)} 1\n`);
    const refusal = await count(`b ${'x'.repeat(longest + 1)} a\n`, budget).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(WordTooLongError);
    expect(refusal).toBeInstanceOf(TokenTooLongError);
    expect(refusal).toMatchObject({ offset: 2, limit: longest, length: longest + 1, budgetBytes: budget, threads: 1, neededBudgetBytes: budgetForWord(longest + 1) });
  });

  it('after spills that grew the table (a vocabulary many times the budget), at the end of the file and in its middle', async () => {
    const words = Array.from({ length: 60_000 }, (_, k) => `w${k.toString(36)}`);
    const longest = 'y'.repeat(longestWord(256 * KiB));
    const text = `${words.join(' ')} ${longest} ${words.slice(0, 30_000).join('\n')} ${longest}\n`;
    expect(await count(text, 256 * KiB)).toBe(await count(text, 64 * MiB));
  });

  it('says the length of the word and the budget that counts it; past what any budget takes, that no budget does', async () => {
    const refusal = (await count(`a ${'x'.repeat(40_000)}\n`, 64 * KiB).catch((error: unknown) => error)) as WordTooLongError;
    expect(refusal.message).toBe('a word starting at byte 2 is 40000 bytes long, longer than the 28672 bytes a memory budget of 64KiB takes; a budget of 90KiB or more counts it');
    expect(longestWord(refusal.neededBudgetBytes!)).toBeGreaterThanOrEqual(40_000);
    const none = new WordTooLongError(0, 28_672, undefined, 64 * KiB, 1, String);
    expect(none.message).toBe(`a word starting at byte 0 is over ${longestWord(MAX_BUDGET)} bytes long, longer than the 28672 bytes a memory budget of 65536 takes; no budget counts it (${MAX_BUDGET}, the most, takes words of up to ${longestWord(MAX_BUDGET)} bytes)`);
    const fewerThreads = new WordTooLongError(0, 28_672, 1.5 * 1024 * MiB, 4 * 1024 * MiB, 4, String);
    expect(fewerThreads.message).toMatch(/; with one thread, a budget of \d+ or more counts it$/);
  });
});

describe('budgetForWord: the least budget, in whole KiB (whole MiB from 1 MiB), whose longest word is long enough', () => {
  it('takes the word, and a unit less does not', () => {
    for (const length of [1, 28_672, 28_673, 40_000, 458_752, 458_753, 2_293_761, 7 * MiB, 7 * MiB + 1, 100 * MiB]) {
      const budget = budgetForWord(length);
      const unit = budget < MiB ? KiB : MiB;
      expect(budget % unit, String(length)).toBe(0);
      expect(longestWord(budget), String(length)).toBeGreaterThanOrEqual(length);
      if (budget > 64 * KiB) expect(longestWord(budget - unit), String(length)).toBeLessThan(length);
    }
  });
});

describe('readOwnedTokens: the longest token is maxTokenBytes, exactly, wherever the buffer\'s doublings fall', () => {
  const SEPARATORS = separatorTable([0x20, 0x0a]);
  async function tokens(text: string, range: { start: number; end: number }): Promise<string[]> {
    const path = join(dir, `tokens-${++seq}.txt`);
    await writeFile(path, text);
    const file = await open(path, 'r');
    try {
      const found: string[] = [];
      for await (const slice of readOwnedTokens(file, range, SEPARATORS, { bufferBytes: 16, maxTokenBytes: 1000 })) {
        found.push(...slice.bytes.subarray(slice.from, slice.to).toString('latin1').split(/[ \n]+/).filter(Boolean));
      }
      return found;
    } finally {
      await file.close();
    }
  }

  it.each([
    ['inside the range', (text: string) => ({ start: 0, end: text.length })],
    ['running on past the range\'s end', () => ({ start: 0, end: 10 })],
  ])('a token %s', async (_case, range) => {
    const fits = `ab ${'x'.repeat(1000)} c`;
    expect((await tokens(fits, range(fits))).slice(0, 2)).toEqual(['ab', 'x'.repeat(1000)]);
    const over = `ab ${'x'.repeat(1001)} c`;
    await expect(tokens(over, range(over))).rejects.toMatchObject({ name: 'TokenTooLongError', offset: 3, limit: 1000 });
  });
});
