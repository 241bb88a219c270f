/**
 * `demo-large-file` interrupted while it writes its input file (the first thing it makes, before
 * any container; up to 2 GiB): the partial file is removed, one line on stderr says so, and the
 * process exits 130 (SIGINT) or 143 (SIGTERM). Before, the handlers were installed only once the
 * file was written: the signal ended the process outright and left the partial file behind. The
 * real CLI (dist/) on the real Docker engine (the images must be there: nothing is built), stopped
 * a fraction of a second into the file: no container is started.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, waitUntil } from '../support/processes.js';

describe('demo-large-file interrupted while it writes its input file', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: the partial file is removed, exit ${code}`, async () => {
      const out = await mkdtemp(join(tmpdir(), 'sw-large-interrupt-'));
      // 2 GiB: far more than is written in the moment between the first 10 % and the signal.
      const demo = run(['demo-large-file', '--size', '2GiB', '--out', out], {});
      try {
        await waitUntil('the input file to be 10 % written', async () => demo.output().includes('writing the input file 10%'), 60_000).catch((error: Error) => {
          throw new Error(`${error.message}\n${demo.output()}`);
        });
        const exitCode = await demo.stop(signal);
        // Before: null (ended by the signal) and a partial large-input.txt left in the folder.
        expect(exitCode, demo.output()).toBe(code);
        expect(demo.output()).not.toContain('writing the input file 100%');
        expect(demo.output()).toContain(`demo-large-file: interrupted by ${signal}: removing what it made`);
        expect(await readdir(out)).toEqual([]);
      } finally {
        await demo.stop('SIGKILL');
        await rm(out, { recursive: true, force: true });
      }
    });
  }
});
