/**
 * `scalewright files` stops where it is on Ctrl-C or SIGTERM: the count's threads end, its spilled
 * runs and any half-written result are removed, and it exits 130 or 143 with what happened on
 * stderr (stdout is the result's). Before, Node ended it outright and a word count left its spill
 * folder in the temporary folder (31 MB three seconds into a 139 MB file). The real CLI (dist/).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWordsFile } from '../../bench/generatedFiles.js';
import { run, waitForStage } from '../support/processes.js';

let root: string;
let input: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sw-files-interrupted-'));
  input = join(root, 'words.txt');
  // 64 MiB of 2 million distinct words: with a 1 MiB budget the count spills runs within its first second and takes many more.
  await generateWordsFile(input, 64 << 20, 2_000_000);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file below `dir`, as paths relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

describe('files wordcount interrupted', () => {
  for (const [signal, exitCode, threads] of [['SIGINT', 130, '1'], ['SIGTERM', 143, '2']] as const) {
    it(`${signal} with ${threads} thread(s), once runs have spilled: exit ${exitCode}, no spilled run, no result file, nothing printed on stdout`, async () => {
      const spill = await mkdtemp(join(root, 'spill-'));
      const outputDir = await mkdtemp(join(root, 'out-'));
      const child = run(['files', 'wordcount', input, join(outputDir, 'counts.txt'), '--memory-budget', '1MiB', '--threads', threads, '--tmp-dir', spill], {});
      try {
        await waitForStage(child, 'a spilled run', async () => (await filesBelow(spill)).some((name) => name.endsWith('.run')), 30_000);
        expect(await child.stop(signal), child.output()).toBe(exitCode);
        expect(await filesBelow(spill)).toEqual([]);
        expect(await readdir(spill)).toEqual([]);
        expect(await readdir(outputDir)).toEqual([]);
        expect(child.output()).toContain(`files wordcount: interrupted: stopped`);
        expect(child.output()).not.toContain('distinctWords');
      } finally {
        await child.stop('SIGKILL');
      }
    }, 60_000);
  }
});
