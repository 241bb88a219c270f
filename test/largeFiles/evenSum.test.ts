import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planChunks } from '../../app/fileChunks/byteRange.js';
import {
  combineEvenSumPartials,
  sumEvenNumbersInFile,
  sumEvenNumbersInRange,
  type EvenSumPartial,
} from '../../app/evensum/index.js';
import { EvenSumScanner } from '../../app/evensum/evenSumScanner.js';
import { generateNumbersFile } from '../../bench/generatedFiles.js';
import { compileReferences, importBuilt, modelEvenSum } from './support.js';

let dir: string;
let seq = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evensum-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(content: string | Buffer): Promise<string> {
  const path = join(dir, `n${++seq}.txt`);
  await writeFile(path, content);
  return path;
}

async function sumOf(content: string | Buffer) {
  return sumEvenNumbersInFile(await fileWith(content), { threads: 1 });
}

describe('even-sum: the exact sum of the even integers of a file', () => {
  it('adds the even numbers and leaves the odd ones', async () => {
    expect(await sumOf('1 2 3 4\n5 6\n')).toMatchObject({ ok: true, sum: '12', evenCount: 3 });
  });

  it('sums an empty file (or one of separators only) to 0', async () => {
    expect(await sumOf('')).toEqual({ ok: true, sum: '0', evenCount: 0, bytes: 0 });
    expect(await sumOf(' \n\t,\r\n')).toMatchObject({ ok: true, sum: '0' });
  });

  it('takes whitespace and commas, in any mix, as separators: CRLF, tabs, no final newline', async () => {
    expect(await sumOf('2,4, 6 ,\t8\r\n10\r\n12')).toMatchObject({ ok: true, sum: '42', evenCount: 6 });
    expect(await sumOf('2\v4\f6')).toMatchObject({ ok: true, sum: '12' });
  });

  it('reads signs: +4 and -4 and -0 are even, -3 is odd', async () => {
    expect(await sumOf('+4 -4 -0 -3 -10 +7')).toMatchObject({ ok: true, sum: '-10', evenCount: 4 });
    expect(await sumOf('-2 -4 -6')).toMatchObject({ ok: true, sum: '-12' });
  });

  it('is exact for numbers of any length (no floating point anywhere)', async () => {
    const big = '9'.repeat(300) + '8';
    const bigNeg = `-${'1'.repeat(250)}0`;
    const expected = (BigInt(big) + BigInt(bigNeg) + 2n).toString();
    expect(await sumOf(`${big}\n${bigNeg}\n2\n${'7'.repeat(99)}`)).toMatchObject({ ok: true, sum: expected, evenCount: 3 });
    // Around 2^53, where a double stops counting units.
    const n = 2n ** 53n;
    const numbers = [n, n + 2n, n + 4n, 10n ** 18n - 2n, 10n ** 19n + 6n, 10n ** 27n - 2n, 10n ** 28n];
    expect(await sumOf(numbers.join('\n'))).toMatchObject({ ok: true, sum: numbers.reduce((a, b) => a + b).toString() });
  });

  it('keeps leading zeros as part of the number', async () => {
    expect(await sumOf('0002 -0004 000')).toMatchObject({ ok: true, sum: '-2' });
  });

  it('stays exact over millions of 20-digit numbers', async () => {
    const numbers: bigint[] = [];
    let x = 12345678901234567890n;
    for (let k = 0; k < 200_000; k++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % 10n ** 20n;
      numbers.push(k % 3 === 0 ? -x : x);
    }
    const expected = numbers.filter((v) => v % 2n === 0n).reduce((a, b) => a + b, 0n);
    expect(await sumOf(numbers.join('\n'))).toMatchObject({ ok: true, sum: expected.toString() });
  }, 120_000);

  it('names the byte offset and line of the first bad token', async () => {
    const result = await sumOf('2 4\n6 1.5 x\n8');
    expect(result).toEqual({
      ok: false,
      error: 'not an integer: "1.5" at byte 6, line 2',
      offset: 6,
      line: 2,
    });
    for (const bad of ['--3', '+', '-', '3-', '4a', 'a4', '0x10', '1e5', '½']) {
      const r = await sumOf(`10\n20 ${bad} 30`);
      expect(r, bad).toMatchObject({ ok: false, offset: 6, line: 2 });
    }
  });

  it('finds a bad token at the very end of the file', async () => {
    expect(await sumOf('2\n4\n6\nabc')).toMatchObject({ ok: false, offset: 6, line: 4 });
    expect(await sumOf('2\n4\n6-')).toMatchObject({ ok: false, offset: 4, line: 3 });
    expect(await sumOf('2\r\n4\r\n-')).toMatchObject({ ok: false, offset: 6, line: 3 });
  });

  it('cuts a long bad token short in the message', async () => {
    const result = await sumOf(`1 ${'z'.repeat(500)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.length).toBeLessThan(120);
  });
});

describe('even-sum over chunks', () => {
  const samples = [
    '12 -34 +56 7,8,\r\n90 123456789012345678 -98765432109876543210\n\n4\t0 -0 +2',
    `2 ${'4'.repeat(40)} 7 ${'-'}${'6'.repeat(30)}\n8`,
    '1 2\n3 4\n5 6.5 7\n8 9',
    '10\n20\n30 bad\n40',
    '10\n20\n30\n4-',
  ];

  it('gives the whole-file result for every chunk size, boundaries falling inside numbers', async () => {
    for (const text of samples) {
      const path = await fileWith(text);
      const expected = modelEvenSum(Buffer.from(text));
      for (let size = 1; size <= text.length; size++) {
        const partials: EvenSumPartial[] = [];
        for (const range of planChunks(text.length, size)) partials.push(await sumEvenNumbersInRange(path, range, { threads: 1 }));
        // Partials travel as JSON between workers.
        const result = combineEvenSumPartials(JSON.parse(JSON.stringify(partials)) as EvenSumPartial[]);
        if (expected.ok) expect(result, `${JSON.stringify(text)} in chunks of ${size}`).toMatchObject({ ok: true, sum: expected.sum });
        else expect(result, `${JSON.stringify(text)} in chunks of ${size}`).toMatchObject({ ok: false, offset: expected.offset, line: expected.line });
      }
    }
  });

  it('combines partials in any order, and refuses partials that do not tile the file', () => {
    const a: EvenSumPartial = { range: { start: 0, end: 5 }, sum: '10', evenCount: 2, newlines: 1 };
    const b: EvenSumPartial = { range: { start: 5, end: 9 }, sum: '-4', evenCount: 1, newlines: 2 };
    expect(combineEvenSumPartials([b, a])).toEqual({ ok: true, sum: '6', evenCount: 3, bytes: 9 });
    expect(() => combineEvenSumPartials([b])).toThrow(/tile/);
    const c: EvenSumPartial = { range: { start: 9, end: 12 }, sum: '0', evenCount: 0, newlines: 0, firstError: { offset: 10, lineInRange: 0, token: 'x' } };
    expect(combineEvenSumPartials([c, a, b])).toMatchObject({ ok: false, offset: 10, line: 4 });
    expect(combineEvenSumPartials([])).toEqual({ ok: true, sum: '0', evenCount: 0, bytes: 0 });
  });

  it('folds its Number accumulators into BigInt often enough to stay exact', () => {
    const scanner = new EvenSumScanner();
    const line = Buffer.from('999999998 999999999999999998 999999999999999999999999998\n');
    const expected = (999999998n + 999999999999999998n + 999999999999999999999999998n) * 5_000_000n;
    for (let k = 0; k < 5_000_000; k++) scanner.scan(line, 0, line.length, 0);
    expect(scanner.sum()).toBe(expected);
  }, 120_000);
});

describe('even-sum against the C reference', () => {
  it('gives the same sum on a generated file of non-negative numbers', async () => {
    const refs = compileReferences();
    try {
      const path = join(dir, 'generated.txt');
      await generateNumbersFile(path, 8 << 20, 19);
      const [high, low] = execFileSync(refs.evensum, [path]).toString().trim().split(' ').map(BigInt) as [bigint, bigint];
      const result = await sumEvenNumbersInFile(path, { threads: 1 });
      expect(result).toMatchObject({ ok: true, sum: ((high << 64n) + low).toString() });
    } finally {
      await rm(refs.dir, { recursive: true, force: true });
    }
  });
});

describe('even-sum progress and cancellation', () => {
  it('reports bytes done up to the total', async () => {
    const path = join(dir, 'progress.txt');
    await generateNumbersFile(path, 3 << 20);
    const seen: Array<[number, number]> = [];
    await sumEvenNumbersInFile(path, { threads: 1, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.at(-1)).toEqual([3 << 20, 3 << 20]);
    for (let k = 1; k < seen.length; k++) expect(seen[k]![0]).toBeGreaterThanOrEqual(seen[k - 1]![0]);
  });

  it('refuses a thread count that is not a number, with a RangeError that says so, however small the file', async () => {
    const path = await fileWith('2 4\n');
    await expect(sumEvenNumbersInFile(path, { threads: Number.NaN })).rejects.toThrow(/threads: not a number \(NaN\)/);
  });

  it('stops with an AbortError when cancelled', async () => {
    const path = join(dir, 'abort.txt');
    await generateNumbersFile(path, 4 << 20);
    const controller = new AbortController();
    const run = sumEvenNumbersInFile(path, {
      threads: 1,
      readBufferBytes: 64 << 10,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sumEvenNumbersInFile(path, { threads: 1, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('even-sum with worker threads (runs the compiled build in dist/)', () => {
  type Api = typeof import('../../app/evensum/index.js');
  let api: Api;
  beforeAll(async () => {
    api = await importBuilt<Api>('app/evensum/index.js');
  }, 120_000);

  it('gives the single-thread result with 2 and 3 threads, errors included', async () => {
    const path = join(dir, 'threads.txt');
    await generateNumbersFile(path, 6 << 20, 25);
    const single = await api.sumEvenNumbersInFile(path, { threads: 1 });
    expect(single.ok).toBe(true);
    expect(await api.sumEvenNumbersInFile(path, { threads: 2 })).toEqual(single);
    expect(await api.sumEvenNumbersInFile(path, { threads: 3 })).toEqual(single);

    const bad = join(dir, 'threads-bad.txt');
    const body = '2\n'.repeat(2 << 20);
    await writeFile(bad, `${body}4 x5\n6\n`);
    const expected = { ok: false, offset: body.length + 2, line: (2 << 20) + 1 };
    expect(await api.sumEvenNumbersInFile(bad, { threads: 1 })).toMatchObject(expected);
    expect(await api.sumEvenNumbersInFile(bad, { threads: 2 })).toMatchObject(expected);
  }, 120_000);

  it('stops its threads when cancelled', async () => {
    const path = join(dir, 'threads-abort.txt');
    await generateNumbersFile(path, 8 << 20);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1);
    await expect(api.sumEvenNumbersInFile(path, { threads: 2, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
