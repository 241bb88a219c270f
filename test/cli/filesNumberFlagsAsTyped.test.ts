/**
 * The numbers `files` is given as flags are taken as typed, as `simulate`'s are: decimal, nothing
 * around them (`common/decimalNumber.ts`). Before, `files -t " 2"` counted on 2 threads and
 * `-t ""` on the default, where `simulate --cpu-limit " 4"` is refused. A refusal is the one a
 * value that is no number gets, naming the flag and its variable, exit 2, nothing started. The
 * same setting from its variable is read as every variable is (blanks around it dropped).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decimalNumber } from '../../common/decimalNumber.js';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-files-number-flags-'));
  await writeFile(join(root, 'numbers.txt'), '2 3 4\n');
  await writeFile(join(root, 'words.txt'), 'a b a\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function files(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { LARGE_FILES_THREADS: _threads, WORDCOUNT_MEMORY_BUDGET: _budget, WORDCOUNT_TMP_DIR: _tmp, ...machine } = process.env;
  return exec(process.execPath, [CLI, 'files', ...args], { cwd: root, env: { ...machine, ...env }, timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const THREADS = 'invalid configuration: --threads (LARGE_FILES_THREADS): expected a whole number from 1 to 64, got';
const BUDGET = 'invalid configuration: --memory-budget (WORDCOUNT_MEMORY_BUDGET): not a byte size: expected a size from 64KiB to 4GiB (a number of bytes, or with a unit: 1048576, 10MB, 2GiB), got';

describe('files: a number given as a flag is taken as typed', () => {
  it.each([' 2', '2 ', '', '0x2', '2_0'])('-t %j is refused: exit 2, naming the flag and its variable', async (value) => {
    for (const args of [['evensum', 'numbers.txt', '-t', value], ['wordcount', 'words.txt', 'counts.txt', '-t', value]]) {
      const { code, stdout, stderr } = await files(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toBe(`${THREADS} ${JSON.stringify(value)}\n`);
      expect(stdout).toBe('');
    }
  });

  it.each([' 64KiB', '64KiB ', '64 KiB', '', '0x10000'])('-m %j is refused: exit 2, naming the flag and its variable', async (value) => {
    const { code, stdout, stderr } = await files(['wordcount', 'words.txt', 'counts.txt', '-m', value]);
    expect(code).toBe(2);
    expect(stderr).toBe(`${BUDGET} ${JSON.stringify(value)}\n`);
    expect(stdout).toBe('');
  });

  it.each([['-t', '2'], ['-t', '+2'], ['-m', '64KiB'], ['-m', '1.5MiB'], ['-m', '1048576']])('%s %j is taken', async (flag, value) => {
    const { code, stdout } = await files(['wordcount', 'words.txt', 'counts.txt', flag, value]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ distinctWords: 2, totalWords: 3, bytes: 6 });
  });

  it('from the variables, a value is read as every command reads one: blanks around it dropped', async () => {
    const { code, stdout } = await files(['wordcount', 'words.txt', 'counts.txt'], { LARGE_FILES_THREADS: ' 2', WORDCOUNT_MEMORY_BUDGET: ' 1MiB ' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ distinctWords: 2, totalWords: 3, bytes: 6 });
  });
});

describe('decimalNumber: a number as an operator types it', () => {
  it('reads decimal numbers', () => {
    expect([ '0.5', '10', '.25', '1e3', '+1.5', '-2', '7.'].map(decimalNumber)).toEqual([0.5, 10, 0.25, 1000, 1.5, -2, 7]);
  });

  it('is NaN for what Number() reads as something the operator did not write', () => {
    for (const text of ['0x10', '0b1', '0o7', ' 4', '4 ', '', 'Infinity', '1_000', '.', 'e3']) expect(decimalNumber(text), JSON.stringify(text)).toBeNaN();
  });
});
