import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepOldFiles } from '../../app/files/retentionSweep.js';
import { WORD_COUNT_RESULT_FILES, wordCountOutputName } from '../../app/jobs/processors/wordCount.js';
import { writeResultFile } from '../../app/wordcount/textOutput.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('sweepOldFiles', () => {
  it("removes folders older than the age with their contents when asked for folders (a dead worker's runs), and only those", async () => {
    const runs = await mkdtemp(join(tmpdir(), 'sw-sweep-'));
    dirs.push(runs);
    const old = 'a'.repeat(32);
    const fresh = 'b'.repeat(32);
    for (const name of [old, fresh]) {
      await mkdir(join(runs, name));
      await writeFile(join(runs, name, '000000.run'), 'run');
    }
    await writeFile(join(runs, 'c'.repeat(32)), 'a file, not a folder');
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    await utimes(join(runs, old), dayAgo, dayAgo);
    await utimes(join(runs, 'c'.repeat(32)), dayAgo, dayAgo);

    expect(await sweepOldFiles(runs, /^[0-9a-f]{32}$/, 24 * 3600_000, Date.now(), 'folders')).toEqual([old]);
    expect((await readdir(runs)).sort()).toEqual([fresh, 'c'.repeat(32)]);
    // Files are swept as before, folders left alone.
    expect(await sweepOldFiles(runs, /^[0-9a-f]{32}$/, 24 * 3600_000)).toEqual(['c'.repeat(32)]);
    expect(await readdir(runs)).toEqual([fresh]);
  });
});

describe('the word count results the worker sweeps once expired', () => {
  it("are its result files and the hidden partial file of one whose writer died, nothing else of the output folder's", async () => {
    const output = await mkdtemp(join(tmpdir(), 'sw-sweep-results-'));
    dirs.push(output);
    const result = wordCountOutputName('0123456789abcdef0123456789abcdef');
    let partial = '';
    // The partial file's name, as the writer makes it, seen while it writes.
    await writeResultFile(join(output, result), 64, async () => {
      partial = (await readdir(output)).find((name) => name !== result) ?? '';
    });
    expect(partial).toMatch(/^\./);
    expect(WORD_COUNT_RESULT_FILES.test(result)).toBe(true);
    expect(WORD_COUNT_RESULT_FILES.test(partial)).toBe(true);
    for (const name of ['.runs', 'upload-1.upload', 'wordcount-short.txt', `${result}.bak`, `x${result}`, `${partial}x`]) expect(WORD_COUNT_RESULT_FILES.test(name), name).toBe(false);
  });
});
