import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planChunks, splitEvenly } from '../../app/fileChunks/byteRange.js';
import { readOwnedTokens, TokenTooLongError } from '../../app/fileChunks/ownedTokens.js';
import { ASCII_WHITESPACE, separatorTable } from '../../app/fileChunks/separators.js';

const SEP = separatorTable(ASCII_WHITESPACE);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'filechunks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tokensOf(path: string, range: { start: number; end: number }, bufferBytes: number): Promise<string[]> {
  const file = await open(path, 'r');
  try {
    let text = '';
    for await (const slice of readOwnedTokens(file, range, SEP, { bufferBytes })) {
      text += slice.bytes.toString('latin1', slice.from, slice.to);
      text += ' '; // a slice ends at a token boundary, so a separator here changes nothing
    }
    return text.split(/[ \t\n\v\f\r]+/).filter((t) => t !== '');
  } finally {
    await file.close();
  }
}

describe('planChunks', () => {
  it('tiles the file with consecutive ranges of the chunk size, the last one shorter', () => {
    expect(planChunks(10, 4)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 10 },
    ]);
    expect(planChunks(8, 4)).toHaveLength(2);
    expect(planChunks(3, 100)).toEqual([{ start: 0, end: 3 }]);
  });

  it('gives an empty file one empty range, so every job has a chunk to reduce', () => {
    expect(planChunks(0, 1024)).toEqual([{ start: 0, end: 0 }]);
  });

  it('refuses nonsense sizes', () => {
    expect(() => planChunks(-1, 10)).toThrow(RangeError);
    expect(() => planChunks(10, 0)).toThrow(RangeError);
  });

  it('splits evenly into at most the asked number of parts', () => {
    expect(splitEvenly(10, 3)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 10 },
    ]);
    expect(splitEvenly(1, 4)).toEqual([{ start: 0, end: 1 }]);
  });

  it('refuses a number of parts that is not a number', () => {
    expect(() => splitEvenly(10, Number.NaN)).toThrow(/bad number of parts: NaN/);
  });
});

describe('readOwnedTokens: a range owns every token that starts inside it', () => {
  const text = 'alpha  beta\tgamma\r\ndelta\n\nepsilon zeta-eta theta';
  const all = text.split(/[ \t\n\v\f\r]+/).filter(Boolean);

  it('hands out every token exactly once, whatever the cut and the buffer size', async () => {
    const path = join(dir, 'words.txt');
    await writeFile(path, text);
    for (const bufferBytes of [16, 17, 64, 1 << 20]) {
      for (let cut = 0; cut <= text.length; cut++) {
        const left = await tokensOf(path, { start: 0, end: cut }, bufferBytes);
        const right = await tokensOf(path, { start: cut, end: text.length }, bufferBytes);
        expect([...left, ...right], `cut at ${cut}, buffer ${bufferBytes}`).toEqual(all);
      }
      for (let size = 1; size <= text.length; size++) {
        const pieces: string[] = [];
        for (const range of planChunks(text.length, size)) pieces.push(...(await tokensOf(path, range, bufferBytes)));
        expect(pieces, `chunks of ${size}`).toEqual(all);
      }
    }
  });

  it('reads a token longer than its buffer by growing, and refuses one beyond the limit', async () => {
    const long = 'x'.repeat(5000);
    const path = join(dir, 'long.txt');
    await writeFile(path, `a ${long} b`);
    expect(await tokensOf(path, { start: 0, end: 5004 }, 16)).toEqual(['a', long, 'b']);
    expect(await tokensOf(path, { start: 0, end: 100 }, 16)).toEqual(['a', long]);
    expect(await tokensOf(path, { start: 100, end: 5004 }, 16)).toEqual(['b']);
    const file = await open(path, 'r');
    try {
      const read = async () => {
        for await (const slice of readOwnedTokens(file, { start: 0, end: 5004 }, SEP, { bufferBytes: 16, maxTokenBytes: 1000 })) {
          void slice;
        }
      };
      await expect(read()).rejects.toBeInstanceOf(TokenTooLongError);
    } finally {
      await file.close();
    }
  });

  it('gives nothing for an empty range or a range inside one token', async () => {
    const path = join(dir, 'one.txt');
    await writeFile(path, 'abcdefgh');
    expect(await tokensOf(path, { start: 0, end: 0 }, 16)).toEqual([]);
    expect(await tokensOf(path, { start: 2, end: 5 }, 16)).toEqual([]);
    expect(await tokensOf(path, { start: 0, end: 1 }, 16)).toEqual(['abcdefgh']);
  });
});
