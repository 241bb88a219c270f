/**
 * A word count stops within a merge step of an abort, in the merge too. Each merge of runs looked
 * at the signal every 65536 records only, and with a small budget a pass is hundreds of merges of
 * fewer (at 64 KiB: 8 runs of some 1000 records each): an interrupt of `files wordcount -m 64KiB`
 * in its merge waited for the pass, 20 s into a 50 MB count. Now each merge looks before it
 * starts; what is left is removing the runs, and the count rejects with the abort's reason.
 * The engine, from the sources.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countWordsToFile } from '../../app/wordcount/index.js';
import { generateWordsFile } from '../../bench/generatedFiles.js';

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-stops-in-merge-'));
  input = join(dir, 'words.txt');
  // At 64 KiB: some thousands of runs, then seconds of merging them, 8 at a time.
  await generateWordsFile(input, 8_000_000, 400_000);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a word count aborted in its merge', () => {
  it('stops within a merge step: rejects with the abort\'s reason soon after, its runs removed', async () => {
    const spill = await mkdtemp(join(dir, 'spill-'));
    const stop = new AbortController();
    const reason = new Error('stop');
    let abortedAt = 0;
    const counting = countWordsToFile(input, join(dir, 'counts.txt'), {
      memoryBudgetBytes: 64 << 10,
      tmpDir: spill,
      threads: 1,
      // The whole file read (the last progress call): the merge of the runs comes next.
      onProgress: (done, total) => {
        if (done === total && abortedAt === 0) {
          setTimeout(() => {
            abortedAt = performance.now();
            stop.abort(reason);
          }, 300);
        }
      },
      signal: stop.signal,
    });
    await expect(counting).rejects.toBe(reason);
    const stoppedIn = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    // About 0.1 s here, removing the runs left most of it; waiting for the pass took 2 s.
    expect(stoppedIn).toBeLessThan(1000);
    expect(await readdir(spill)).toEqual([]);
    expect(await readdir(dir)).not.toContain('counts.txt');
  }, 60_000);
});
