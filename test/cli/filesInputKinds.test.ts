/**
 * `scalewright files` reads its INPUT by byte ranges, by offset, from several threads: what is not
 * a regular file (after links) is refused, exit 1 as any input that cannot be read, in one line
 * naming the path and what it is. Before, a pipe or a device had a size of 0 and was counted as an
 * empty file: `cat numbers.txt | scalewright files evensum /dev/stdin` printed a sum of 0, exit 0,
 * and `files wordcount /dev/zero out.txt` wrote an empty result. The real CLI (dist/), as processes.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-files-input-kinds-'));
  await writeFile(join(root, 'numbers.txt'), '2 3 4\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the CLI in `root`, `stdin` written to its standard input (a pipe); its exit code and output whatever the code. */
async function files(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'files', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => {});
  child.stdin.end(stdin);
  const code = await new Promise<number | null>((done) => child.once('close', (exitCode) => done(exitCode)));
  return { code, stdout, stderr };
}

/** Runs a bash command line in `root`: its exit code and output. */
async function shell(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec('bash', ['-c', line], { cwd: root, timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const BECAUSE = '(files reads its input by byte ranges, from several threads: save the stream to a file first)';

describe('files: an INPUT that is not a regular file is refused, exit 1, naming it and what it is', () => {
  it('a pipe: /dev/stdin fed by another process (`cat numbers.txt | files evensum /dev/stdin`)', async () => {
    for (const args of ['evensum /dev/stdin', 'wordcount /dev/stdin counts.txt']) {
      const { code, stdout, stderr } = await shell(`cat numbers.txt | "${process.execPath}" "${CLI}" files ${args}`);
      expect(code, args).toBe(1);
      expect(stderr).toBe(`error: a pipe, not a regular file: <input> /dev/stdin ${BECAUSE}\n`);
      expect(stdout).toBe('');
    }
    expect(await readdir(root)).not.toContain('counts.txt');
  });

  it('a socket: /dev/stdin as Node gives a child its standard input (a socket pair)', async () => {
    const { code, stdout, stderr } = await files(['evensum', '/dev/stdin'], '2 3 4\n');
    expect(code).toBe(1);
    expect(stderr).toBe(`error: a socket, not a regular file: <input> /dev/stdin ${BECAUSE}\n`);
    expect(stdout).toBe('');
  });

  it('a named pipe (FIFO), as a shell\'s <(...) gives one', async () => {
    const fifo = join(root, 'fifo');
    await exec('mkfifo', [fifo]);
    const { code, stderr } = await files(['evensum', 'fifo']);
    expect(code).toBe(1);
    expect(stderr).toBe(`error: a pipe, not a regular file: <input> fifo ${BECAUSE}\n`);
  });

  it('a character device, /dev/zero (which never ends) and /dev/null, through a link too', async () => {
    await symlink('/dev/zero', join(root, 'zeros'));
    for (const input of ['/dev/zero', '/dev/null', 'zeros']) {
      for (const args of [['evensum', input], ['wordcount', input, 'counts.txt']]) {
        const { code, stdout, stderr } = await files(args);
        expect(code, args.join(' ')).toBe(1);
        expect(stderr).toBe(`error: a character device, not a regular file: <input> ${input} ${BECAUSE}\n`);
        expect(stdout).toBe('');
      }
    }
    expect(await readdir(root)).not.toContain('counts.txt');
  });

  it('a regular file behind /dev/stdin (`files evensum /dev/stdin < numbers.txt`) is a file: it is counted', async () => {
    const numbers = openSync(join(root, 'numbers.txt'), 'r');
    const child = spawn(process.execPath, [CLI, 'files', 'evensum', '/dev/stdin'], { cwd: root, stdio: [numbers, 'pipe', 'pipe'] });
    closeSync(numbers);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('close', (exitCode) => done(exitCode)));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: true, sum: '6', evenCount: 2, bytes: 6 });
  });
});
