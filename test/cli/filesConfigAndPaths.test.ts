/**
 * `scalewright files`: a bad setting names its flag and its variable, with the value and the
 * range, as `app` and `worker` do (before: `invalid configuration: threads: …`); a path that
 * cannot be used is one line naming it (before: `error: EISDIR: illegal operation on a directory,
 * read`, no path; and a folder given as the output was refused only once the whole input had been
 * counted). Exit codes as the help says: 2 bad flags or an output that cannot be written (nothing
 * started), 1 an input that cannot be read. The real CLI (dist/), as processes.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

let root: string;
let words: string;
let numbers: string;
let folder: string;

/** Runs the CLI in `root`; its exit code and output whatever the code. */
async function files(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  // The machine's own settings of these would decide instead of the test's.
  const { LARGE_FILES_THREADS: _threads, WORDCOUNT_MEMORY_BUDGET: _budget, WORDCOUNT_TMP_DIR: _tmp, ...machine } = process.env;
  return exec(process.execPath, [CLI, 'files', ...args], { cwd: root, env: { ...machine, ...env }, timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-files-config-paths-'));
  words = join(root, 'words.txt');
  numbers = join(root, 'numbers.txt');
  folder = join(root, 'folder');
  await writeFile(words, 'a b a\n');
  await writeFile(numbers, '1 2 3 4\n');
  await mkdir(folder);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('files: a bad setting names its flag and its variable', () => {
  it.each([
    [['evensum', 'numbers.txt'], { LARGE_FILES_THREADS: 'x' }, '--threads (LARGE_FILES_THREADS): expected a whole number from 1 to 64, got "x"'],
    [['evensum', 'numbers.txt', '-t', '0'], {}, '--threads (LARGE_FILES_THREADS): Too small: expected a whole number from 1 to 64, got "0"'],
    [['wordcount', 'words.txt', 'counts.txt', '-t', '65'], {}, '--threads (LARGE_FILES_THREADS): Too big: expected a whole number from 1 to 64, got "65"'],
    [['wordcount', 'words.txt', 'counts.txt', '-m', 'lots'], {}, '--memory-budget (WORDCOUNT_MEMORY_BUDGET): not a byte size: expected a size from 64KiB to 4GiB (a number of bytes, or with a unit: 1048576, 10MB, 2GiB), got "lots"'],
    // Below the engine's floor it ran on 64 KiB, saying nothing.
    [['wordcount', 'words.txt', 'counts.txt'], { WORDCOUNT_MEMORY_BUDGET: '0' }, '--memory-budget (WORDCOUNT_MEMORY_BUDGET): Too small: expected a size from 64KiB to 4GiB, got "0"'],
    // Split between threads, each share under the floor was raised to it: past the budget.
    [['wordcount', 'words.txt', 'counts.txt', '-m', '64KiB', '-t', '4'], {}, '--memory-budget (WORDCOUNT_MEMORY_BUDGET): Too small for 4 threads: expected at least 256KiB (64KiB a thread), got 64KiB'],
  ])('files %j with %j: exit 2, "%s"', async (args, env, message) => {
    const { code, stdout, stderr } = await files(args, env);
    expect(code).toBe(2);
    expect(stderr).toBe(`invalid configuration: ${message}\n`);
    expect(stdout).toBe('');
  });

  it('counts with a budget at the floor for each thread', async () => {
    const { code, stdout } = await files(['wordcount', 'words.txt', 'counts.txt', '-m', '128KiB', '-t', '2']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ distinctWords: 2, totalWords: 3, bytes: 6 });
  });
});

describe('files: an input that cannot be read is one line naming it, exit 1', () => {
  it.each([
    ['a folder', 'folder', 'error: EISDIR: a folder, not a file: <input> folder'],
    ['a missing file', 'missing.txt', 'error: ENOENT: no such file or directory: <input> missing.txt'],
    ['a path through a file', 'numbers.txt/more', 'error: ENOTDIR: no such file or directory (a name on the way is a file, not a folder): <input> numbers.txt/more'],
  ])('%s (evensum and wordcount alike)', async (_case, input, line) => {
    for (const args of [['evensum', input], ['wordcount', input, 'counts-of-nothing.txt']]) {
      const { code, stdout, stderr } = await files(args);
      expect(code, args.join(' ')).toBe(1);
      expect(stderr).toBe(`${line}\n`);
      expect(stdout).toBe('');
    }
    expect(await readdir(root)).not.toContain('counts-of-nothing.txt');
  });

  it.skipIf(process.getuid?.() === 0)('a file it may not read (not as root, whom chmod does not stop)', async () => {
    const secret = join(root, 'secret.txt');
    await writeFile(secret, '2 4\n');
    await chmod(secret, 0o000);
    const { code, stderr } = await files(['evensum', 'secret.txt']);
    expect(code).toBe(1);
    expect(stderr).toBe('error: EACCES: permission denied: <input> secret.txt\n');
  });
});

describe('files wordcount: an output or spill folder that cannot take the result is refused before counting, exit 2', () => {
  it.each([
    ['in a folder that does not exist', 'no-such-folder/counts.txt', () => `<output>: no such folder: ${join(root, 'no-such-folder')}`],
    ['a folder', 'folder', () => '<output>: is a folder, not a file: folder'],
    ['a folder, with a slash', 'folder/', () => '<output>: is a folder, not a file: folder/'],
    // Written beside it and renamed over it: as root, /dev/null itself would have been replaced by a file.
    ['a device', '/dev/null', () => '<output>: not a regular file: /dev/null (the result replaces the file it names; give the name of a file to write)'],
  ])('an output %s', async (_case, output, line) => {
    const { code, stdout, stderr } = await files(['wordcount', 'words.txt', output]);
    expect(code).toBe(2);
    expect(stderr).toBe(`${line()}\n`);
    expect(stdout).toBe('');
    expect(await readdir(folder)).toEqual([]);
  });

  it.each([
    ['a folder that does not exist', 'no-such-folder', '--tmp-dir (WORDCOUNT_TMP_DIR): no such folder: no-such-folder'],
    ['a file', 'words.txt', '--tmp-dir (WORDCOUNT_TMP_DIR): not a folder: words.txt'],
  ])('--tmp-dir naming %s', async (_case, tmp, line) => {
    const { code, stderr } = await files(['wordcount', 'words.txt', 'counts.txt', '--tmp-dir', tmp]);
    expect(code).toBe(2);
    expect(stderr).toBe(`${line}\n`);
  });

  it('refuses a bad output before it looks at the input: exit 2 for the command line, whatever else is wrong', async () => {
    const { code, stderr } = await files(['wordcount', 'missing.txt', 'folder']);
    expect(code).toBe(2);
    expect(stderr).toBe('<output>: is a folder, not a file: folder\n');
  });
});
