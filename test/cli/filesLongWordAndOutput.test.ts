/**
 * `scalewright files` failures that name what the operator gave and say what to do:
 * - a word longer than the memory budget takes says how long it is and the budget that would
 *   count it, with the flag (before: `a token starting at byte 0 is longer than 28672 bytes`, and
 *   the README said "half the memory budget": it is 7/16 of a thread's share up to 16 MiB);
 * - a result that cannot be written names <output> as given and what failed (before: `open
 *   '/proc/.o.txt.partial-1c63bf57'`, a hidden file of ours);
 * - the help says what the exit codes of `files` mean (before: "a dependency unreachable, a port
 *   in use", which no count has, and spilled runs for evensum, which makes none).
 * The real CLI (dist/), as processes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWordsFile } from '../../bench/generatedFiles.js';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-files-long-word-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function files(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { LARGE_FILES_THREADS: _threads, WORDCOUNT_MEMORY_BUDGET: _budget, WORDCOUNT_TMP_DIR: _tmp, ...machine } = process.env;
  return exec(process.execPath, [CLI, 'files', ...args], { cwd: root, env: machine, timeout: 60_000, maxBuffer: 1 << 20 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('files wordcount: a word longer than the budget takes', () => {
  it('at 64KiB, a word of 28672 bytes (7/16 of it) is counted and a longer one refused, saying the budget that counts it', async () => {
    await writeFile(join(root, 'longest.txt'), `a b ${'x'.repeat(28_672)} c\n`);
    const counted = await files(['wordcount', 'longest.txt', 'counts.txt', '-m', '64KiB']);
    expect(counted.code, counted.stderr).toBe(0);
    expect(JSON.parse(counted.stdout)).toEqual({ distinctWords: 4, totalWords: 4, bytes: 28_679 });

    await writeFile(join(root, 'long.txt'), `a b ${'x'.repeat(40_000)} c\n`);
    const refused = await files(['wordcount', 'long.txt', 'refused.txt', '-m', '64KiB']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: a word starting at byte 4 of <input> long.txt is 40000 bytes long, longer than the 28672 bytes a memory budget of 64KiB takes; a budget of 90KiB or more counts it (--memory-budget, WORDCOUNT_MEMORY_BUDGET)\n',
    );
    expect(refused.stdout).toBe('');
    // The budget it names counts it.
    const again = await files(['wordcount', 'long.txt', 'counts.txt', '-m', '90KiB']);
    expect(again.code, again.stderr).toBe(0);
    expect(await readdir(root)).not.toContain('refused.txt');
  });

  it('at 5MiB, 2293760 bytes (before: 2 MiB, the arena\'s power of two below)', async () => {
    await writeFile(join(root, 'big-word.txt'), `a ${'y'.repeat(2_293_760)}\n`);
    expect((await files(['wordcount', 'big-word.txt', 'counts.txt', '-m', '5MiB'])).code).toBe(0);
    await writeFile(join(root, 'bigger-word.txt'), `a ${'y'.repeat(3_000_000)}\n`);
    const refused = await files(['wordcount', 'bigger-word.txt', 'counts.txt', '-m', '5MiB']);
    expect(refused.stderr).toBe(
      'error: a word starting at byte 2 of <input> bigger-word.txt is 3000000 bytes long, longer than the 2293760 bytes a memory budget of 5MiB takes; a budget of 7MiB or more counts it (--memory-budget, WORDCOUNT_MEMORY_BUDGET)\n',
    );
  });

  it('split between threads, a worker thread\'s refusal says where the word is and the whole budget that counts it', async () => {
    // Over 8 MiB: two threads of 64 KiB each. The long word just past the middle, early in the second thread's range.
    const first = join(root, 'first.txt');
    const second = join(root, 'second.txt');
    await generateWordsFile(first, 4_700_000, 20_000, 1);
    await generateWordsFile(second, 4_500_000, 20_000, 2);
    // Generated files may end in the middle of a word: a newline before the long word.
    const at = (await stat(first)).size + 1;
    await writeFile(join(root, 'threads.txt'), Buffer.concat([await readFile(first), Buffer.from(`\n${'z'.repeat(40_000)}\n`), await readFile(second)]));
    const refused = await files(['wordcount', 'threads.txt', 'counts.txt', '-m', '128KiB', '-t', '2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: a word starting at byte ${at} of <input> threads.txt is 40000 bytes long, longer than the 28672 bytes a memory budget of 128KiB split between 2 threads takes; a budget of 180KiB or more counts it (--memory-budget, WORDCOUNT_MEMORY_BUDGET)\n`,
    );
  });
});

describe('files wordcount: a result that cannot be written', () => {
  it.skipIf(process.platform !== 'linux')('names <output> as given and what failed, not the hidden file it is written to first: exit 1', async () => {
    await writeFile(join(root, 'words.txt'), 'a b a\n');
    const { code, stdout, stderr } = await files(['wordcount', 'words.txt', '/proc/counts.txt']);
    expect(code).toBe(1);
    expect(stderr).toBe('error: ENOENT: no such file or directory: <output> /proc/counts.txt: the result file could not be created there\n');
    expect(stderr).not.toContain('partial');
    expect(stdout).toBe('');
  });
});

describe('files --help: the exit codes of the counts, not of the long-running commands', () => {
  it.each([['files', '--help'], ['files', 'wordcount', '--help'], ['files', 'evensum', '--help']])('%s %s %s', async (...args) => {
    const { code, stdout } = await exec(process.execPath, [CLI, ...args.filter(Boolean)]).then(({ stdout }) => ({ code: 0, stdout }));
    expect(code).toBe(0);
    expect(stdout).not.toContain('a port in use');
    expect(stdout).not.toContain('a dependency unreachable');
    expect(stdout).toContain('not a regular file');
    expect(stdout).toContain('The result goes to stdout; a failure to stderr, one line, and what an interruption does as JSON log lines.');
  });

  it('evensum\'s speaks of no spilled runs, which it never makes', async () => {
    const { stdout } = await exec(process.execPath, [CLI, 'files', 'evensum', '--help']);
    expect(stdout).not.toContain('spilled');
    expect(stdout).toContain('Interrupted (SIGINT, SIGTERM): 130 or 143, once the sum has stopped.');
  });
});
