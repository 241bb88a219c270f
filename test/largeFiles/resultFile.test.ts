/**
 * The word count's result file exists only whole: it is written beside its name and renamed onto
 * it once complete, so a count that fails halfway leaves neither a truncated result that reads
 * like a complete one nor a hidden partial file, and a file already at the name stays as it was.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeResultFile } from '../../app/wordcount/textOutput.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'result-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const word = (text: string) => Buffer.from(text);

describe('writeResultFile', () => {
  it('writes the lines under the name given, and nothing else in the folder', async () => {
    const path = join(dir, 'counts.txt');
    const output = await writeResultFile(path, 64, async (sink) => {
      sink.add(word('the'), 0, 3, 7);
      sink.add(word('a'), 0, 1, 2);
    });
    expect(await readFile(path, 'utf8')).toBe('the 7\na 2\n');
    expect({ lines: output.lines, totalWords: output.totalWords }).toEqual({ lines: 2, totalWords: 9 });
    expect(await readdir(dir)).toEqual(['counts.txt']);
  });

  it('leaves no file at all when the writing fails halfway, and rejects with its error', async () => {
    const path = join(dir, 'counts.txt');
    const failure = new Error('the merge was interrupted');
    await expect(
      writeResultFile(path, 64, async (sink) => {
        // More than the buffer holds, so part of it has reached the disk before the failure.
        for (let k = 0; k < 100; k += 1) if (sink.add(word(`word${k}`), 0, 5, 1)) await sink.flush();
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the file already at the name as it was when the new one fails', async () => {
    const path = join(dir, 'counts.txt');
    await writeFile(path, 'the 7\n');
    await expect(writeResultFile(path, 64, async () => Promise.reject(new Error('out of disk')))).rejects.toThrow('out of disk');
    expect(await readFile(path, 'utf8')).toBe('the 7\n');
    expect(await readdir(dir)).toEqual(['counts.txt']);
  });

  it('replaces the file already at the name once the new one is whole', async () => {
    const path = join(dir, 'counts.txt');
    await writeFile(path, 'stale 1\n');
    await writeResultFile(path, 64, async (sink) => {
      sink.add(word('fresh'), 0, 5, 3);
    });
    expect(await readFile(path, 'utf8')).toBe('fresh 3\n');
  });
});
