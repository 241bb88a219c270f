import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planChunks } from '../../app/fileChunks/byteRange.js';
import { countWordsInRange, countWordsToFile, mergeWordCountRuns, type WordCountOptions } from '../../app/wordcount/index.js';
import { generateWordsFile } from '../../bench/generatedFiles.js';
import { CORPUS, compileReferences, cWordCount, importBuilt, modelWordCount } from './support.js';

let dir: string;
let spillDir: string;
let refs: ReturnType<typeof compileReferences>;
let seq = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wordcount-'));
  spillDir = await mkdtemp(join(tmpdir(), 'wordcount-spill-'));
  refs = compileReferences();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(spillDir, { recursive: true, force: true });
  await rm(refs.dir, { recursive: true, force: true });
});

const options = (extra: Partial<WordCountOptions> = {}): WordCountOptions => ({
  memoryBudgetBytes: 16 << 20,
  tmpDir: spillDir,
  threads: 1,
  ...extra,
});

async function fileWith(content: string | Buffer): Promise<string> {
  const path = join(dir, `w${++seq}.txt`);
  await writeFile(path, content);
  return path;
}

async function countOf(content: string | Buffer, extra: Partial<WordCountOptions> = {}): Promise<string> {
  const input = await fileWith(content);
  const output = `${input}.out`;
  await countWordsToFile(input, output, options(extra));
  return readFile(output, 'latin1');
}

describe('word count: every distinct word and its count', () => {
  it('lists "word count" lines, count descending, then word ascending by bytes', async () => {
    expect(await countOf('b a c b a b\n')).toBe('b 3\na 2\nc 1\n');
  });

  it('lower-cases ASCII letters only, keeping UTF-8 bytes as they are', async () => {
    expect(await countOf('Hello HELLO hello Été été ÉTÉ')).toBe(
      // 'É' (C3 89) is not ASCII, so "Été", "été" and "ÉTÉ" stay three words after ASCII
      // lower-casing, ordered by their bytes: C3 89 74 C3 89 < C3 89 74 C3 A9 < C3 A9 ...
      Buffer.from('hello 3\nÉtÉ 1\nÉté 1\nété 1\n', 'utf8').toString('latin1'),
    );
  });

  it('splits on every ASCII whitespace byte: CRLF, tabs, \\v, \\f, runs of them', async () => {
    expect(await countOf('a\r\nb\tc\vd\fe  a\r\n\r\n')).toBe('a 2\nb 1\nc 1\nd 1\ne 1\n');
  });

  it('refuses a thread count that is not a number, with a RangeError that says so', async () => {
    await expect(countOf('a b a\n', { threads: Number.NaN })).rejects.toThrow(/threads: not a number \(NaN\)/);
  });
  it('counts the last word of a file without a final newline', async () => {
    expect(await countOf('x y x')).toBe('x 2\ny 1\n');
  });

  it('writes an empty result for an empty file or one of whitespace only', async () => {
    expect(await countOf('')).toBe('');
    expect(await countOf(' \n\t ')).toBe('');
  });

  it('keeps punctuation and NUL bytes inside words (only whitespace separates)', async () => {
    expect(await countOf('end. end end, "end" end a\u0000b')).toBe('end 2\n"end" 1\na\u0000b 1\nend, 1\nend. 1\n');
  });

  it('counts words longer than any buffer whole', async () => {
    const long = 'Ab'.repeat(300_000);
    const lower = long.toLowerCase();
    const text = `${long} x ${long}\n${long}y`;
    expect(await countOf(text, { memoryBudgetBytes: 4 << 20 })).toBe(`${lower} 2\n${lower}y 1\nx 1\n`);
  });

  it('matches the plain model on the corpus edge-case files', async () => {
    for (const name of ['small.txt', 'no_end_newline.txt']) {
      const input = await readFile(join(CORPUS, name));
      expect(await countOf(input), name).toBe(modelWordCount(input).toString('latin1'));
    }
  });
});

describe('word count against the C reference (byte for byte)', () => {
  it('on the corpus', async () => {
    for (const name of ['kjvbible.txt', 'small.txt', 'no_end_newline.txt']) {
      const input = join(CORPUS, name);
      const output = join(dir, `${name}.out`);
      await countWordsToFile(input, output, options());
      expect((await readFile(output)).equals(cWordCount(refs.wordcount, input)), name).toBe(true);
    }
  });

  it('on a generated file with a large vocabulary, mixed case and UTF-8', async () => {
    const input = join(dir, 'generated.txt');
    await generateWordsFile(input, 6 << 20, 200_000);
    const output = join(dir, 'generated.out');
    await countWordsToFile(input, output, options());
    expect((await readFile(output)).equals(cWordCount(refs.wordcount, input))).toBe(true);
  }, 120_000);

  it('on random bytes, control and high bytes included (NUL excepted: C prints a word up to its first NUL)', async () => {
    let state = 99;
    const bytes = Buffer.alloc(1 << 20);
    for (let k = 0; k < bytes.length; k++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      bytes[k] = 1 + ((state >>> 16) % 255);
    }
    const input = join(dir, 'random.bin');
    await writeFile(input, bytes);
    const expected = cWordCount(refs.wordcount, input);
    for (const budget of [16 << 20, 128 << 10]) {
      const output = join(dir, `random-${budget}.out`);
      await countWordsToFile(input, output, options({ memoryBudgetBytes: budget }));
      expect((await readFile(output)).equals(expected), `budget ${budget}`).toBe(true);
    }
  }, 120_000);
});

describe('word count in bounded memory: spilling sorted runs', () => {
  it('gives the same bytes with a tiny budget forcing many runs and merge passes', async () => {
    const input = join(dir, 'spill.txt');
    await generateWordsFile(input, 2 << 20, 60_000);
    const expected = cWordCount(refs.wordcount, input);
    for (const budget of [64 << 10, 200 << 10]) {
      const output = join(dir, `spill-${budget}.out`);
      const result = await countWordsToFile(input, output, options({ memoryBudgetBytes: budget }));
      expect((await readFile(output)).equals(expected), `budget ${budget}`).toBe(true);
      expect(result.distinctWords).toBe(expected.toString('latin1').split('\n').length - 1);
    }
    expect(await readdir(spillDir)).toEqual([]);
  }, 120_000);

  it('spills on the kjv bible too and still matches C', async () => {
    const input = join(CORPUS, 'kjvbible.txt');
    const output = join(dir, 'kjv-spill.out');
    await countWordsToFile(input, output, options({ memoryBudgetBytes: 96 << 10 }));
    expect((await readFile(output)).equals(cWordCount(refs.wordcount, input))).toBe(true);
  });
});

describe('word count over chunks (countWordsInRange + mergeWordCountRuns)', () => {
  const samples = [
    'The quick  brown\tfox\r\njumps over the lazy dog.\nTHE END',
    'ééé aé\u00a0b ab AB ab\n\nzz',
    'one',
    '  lead and trail  ',
  ];

  it('gives the whole-file bytes for every chunk size, boundaries falling inside words', async () => {
    for (const text of samples) {
      const input = await fileWith(text);
      const expected = modelWordCount(Buffer.from(text));
      const size = Buffer.byteLength(text);
      for (let chunk = 1; chunk <= size; chunk++) {
        const runs: string[] = [];
        let total = 0;
        for (const [k, range] of planChunks(size, chunk).entries()) {
          const run = join(dir, `chunk-${k}.run`);
          total += (await countWordsInRange(input, range, run, options())).totalWords;
          runs.push(run);
        }
        const output = join(dir, 'chunks.out');
        const merged = await mergeWordCountRuns(runs, output, options());
        expect(await readFile(output), `${JSON.stringify(text)} in chunks of ${chunk}`).toEqual(expected);
        expect(merged.totalWords).toBe(total);
        await Promise.all(runs.map((r) => rm(r)));
      }
    }
  }, 120_000);

  it('merges many runs with a tiny budget (fan-in bounded, several passes)', async () => {
    const input = join(dir, 'many-runs.txt');
    await generateWordsFile(input, 1 << 20, 30_000);
    const ranges = planChunks(1 << 20, 16 << 10);
    const runs: string[] = [];
    for (const [k, range] of ranges.entries()) {
      const run = join(dir, `many-${k}.run`);
      await countWordsInRange(input, range, run, options({ memoryBudgetBytes: 64 << 10 }));
      runs.push(run);
    }
    const output = join(dir, 'many-runs.out');
    await mergeWordCountRuns(runs, output, options({ memoryBudgetBytes: 64 << 10 }));
    expect((await readFile(output)).equals(cWordCount(refs.wordcount, input))).toBe(true);
  }, 120_000);
});

describe('word count progress and cancellation', () => {
  it('reports bytes done up to the total', async () => {
    const input = join(dir, 'progress.txt');
    await generateWordsFile(input, 3 << 20, 1000);
    const seen: Array<[number, number]> = [];
    await countWordsToFile(input, join(dir, 'progress.out'), options({ onProgress: (d, t) => seen.push([d, t]) }));
    expect(seen.at(-1)).toEqual([3 << 20, 3 << 20]);
  });

  it('stops with an AbortError when cancelled and leaves no temporary files', async () => {
    const input = join(dir, 'abort.txt');
    await generateWordsFile(input, 4 << 20, 100_000);
    const controller = new AbortController();
    const run = countWordsToFile(input, join(dir, 'abort.out'), options({
      memoryBudgetBytes: 256 << 10,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    }));
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(spillDir)).toEqual([]);
  });
});

describe('word count with worker threads (runs the compiled build in dist/)', () => {
  type Api = typeof import('../../app/wordcount/index.js');
  let api: Api;
  beforeAll(async () => {
    api = await importBuilt<Api>('app/wordcount/index.js');
  }, 120_000);

  it('matches C with 2 and 3 threads, with and without spilling', async () => {
    const input = join(dir, 'threads.txt');
    await generateWordsFile(input, 12 << 20, 300_000);
    const expected = cWordCount(refs.wordcount, input);
    for (const [threads, budget] of [[2, 16 << 20], [3, 16 << 20], [2, 512 << 10]] as const) {
      const output = join(dir, `threads-${threads}-${budget}.out`);
      const result = await api.countWordsToFile(input, output, options({ threads, memoryBudgetBytes: budget }));
      expect((await readFile(output)).equals(expected), `${threads} threads, budget ${budget}`).toBe(true);
      expect(result.bytes).toBe(12 << 20);
    }
    expect(await readdir(spillDir)).toEqual([]);
  }, 120_000);

  it('matches C with 2 threads on a small vocabulary (runs added into this thread\'s table)', async () => {
    const input = join(dir, 'kjv-x2.txt');
    const kjv = await readFile(join(CORPUS, 'kjvbible.txt'));
    await writeFile(input, Buffer.concat([kjv, kjv]));
    const output = join(dir, 'kjv-x2.out');
    const result = await api.countWordsToFile(input, output, options({ threads: 2 }));
    const expected = cWordCount(refs.wordcount, input);
    expect((await readFile(output)).equals(expected)).toBe(true);
    expect(result).toEqual({ distinctWords: expected.toString('latin1').split('\n').length - 1, totalWords: 2 * 821_132, bytes: 2 * kjv.length });
  });

  it('stops its threads when cancelled', async () => {
    const input = join(dir, 'threads-abort.txt');
    await generateWordsFile(input, 12 << 20, 100_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 5);
    await expect(
      api.countWordsToFile(input, join(dir, 'threads-abort.out'), options({ threads: 2, signal: controller.signal })),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(spillDir)).toEqual([]);
  });
});
