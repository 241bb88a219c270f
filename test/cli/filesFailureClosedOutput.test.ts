/**
 * A command whose standard output has no reader any more ends quietly with exit 0 only when it
 * would have succeeded: a failure keeps its exit code, its message on stderr. Before, `files
 * evensum bad.txt | true` exited 0: the bad token's exit code 1 was set after the JSON result was
 * written, and the EPIPE of that write ended the process with 0. The real CLI (dist/), its stdout
 * a pipe whose reading end is closed before it writes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeWithoutReader } from '../../cli/closedOutput.js';
import { CLI } from '../support/processes.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-files-closed-output-'));
  await writeFile(join(root, 'bad.txt'), '2\n1.5\n');
  await writeFile(join(root, 'good.txt'), '2 3 4\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the CLI with nobody reading its stdout: the pipe's reading end is closed at once. */
async function withStdoutClosed(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('close', (exitCode) => done(exitCode)));
  return { code, stderr };
}

describe('files evensum with nobody reading its stdout', () => {
  it('a bad token: exit 1, the failure said on stderr', async () => {
    const { code, stderr } = await withStdoutClosed(['files', 'evensum', 'bad.txt']);
    expect(code).toBe(1);
    expect(stderr).toBe('error: not an integer: "1.5" at byte 2, line 2 of <input> bad.txt\n');
  });

  it('a sum: exit 0, quietly', async () => {
    const { code, stderr } = await withStdoutClosed(['files', 'evensum', 'good.txt']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });

  it('in a shell pipeline (`files evensum bad.txt | true`), the pipeline\'s first command exits 1', async () => {
    const child = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" files evensum bad.txt 2>/dev/null | true; echo "\${PIPESTATUS[0]}"`], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise((done) => child.once('close', done));
    expect(stdout.trim()).toBe('1');
  });
});

describe('the exit code of a command left without a reader (exitCodeWithoutReader)', () => {
  it('is the failure the command has set, else 0', () => {
    expect(exitCodeWithoutReader(undefined)).toBe(0);
    expect(exitCodeWithoutReader(0)).toBe(0);
    expect(exitCodeWithoutReader(1)).toBe(1);
    expect(exitCodeWithoutReader(2)).toBe(2);
    expect(exitCodeWithoutReader('1')).toBe(1);
    expect(exitCodeWithoutReader('x')).toBe(0);
    expect(exitCodeWithoutReader(null)).toBe(0);
  });
});
