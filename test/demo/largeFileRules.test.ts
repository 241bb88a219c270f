import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { largeFileOutcome, type RunRecord, type RunSecond } from '../../demo/largeFile/largeFileOutcome.js';
import { largeFileReportHtml } from '../../demo/largeFile/largeFileReport.js';
import { copiesFor, expectedWordCount, textBlock } from '../../demo/largeFile/textCorpus.js';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

describe('the large-file demo input: a generated block, repeated, whose word count is known in advance', () => {
  it('is the same for the same seed and about the size asked for, in whole lines', () => {
    const a = textBlock(64 * 1024, { seed: 7, vocabularySize: 500 });
    const b = textBlock(64 * 1024, { seed: 7, vocabularySize: 500 });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(a.bytes.length).toBeLessThan(64 * 1024 + 200);
    expect(a.bytes.at(-1)).toBe(0x0a);
    expect(textBlock(64 * 1024, { seed: 8, vocabularySize: 500 }).bytes.equals(a.bytes)).toBe(false);
  });

  it('counts lower-cased words, so a capitalised first word counts with its lower-case form', () => {
    const block = textBlock(4096, { seed: 3, vocabularySize: 50 });
    const text = block.bytes.toString('latin1');
    const tokens = text.split(/\s+/).filter(Boolean).map((word) => word.toLowerCase());
    const counted = new Map<string, number>();
    for (const word of tokens) counted.set(word, (counted.get(word) ?? 0) + 1);
    expect(new Map(block.counts)).toEqual(counted);
  });

  it('gives the expected result as the word-count engine writes it: count descending, then word ascending', () => {
    const block = { bytes: Buffer.from('B a b\nc a\n'), counts: new Map([['b', 2], ['a', 2], ['c', 1]]) };
    expect(expectedWordCount(block, 3)).toBe('a 6\nb 6\nc 3\n');
  });

  it('equals what `scalewright files wordcount` counts on the repeated file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-corpus-'));
    const block = textBlock(200_000, { seed: 11, vocabularySize: 2000 });
    const copies = 5;
    await writeFile(join(dir, 'in.txt'), Buffer.concat(Array.from({ length: copies }, () => block.bytes)));
    await exec(process.execPath, [CLI, 'files', 'wordcount', join(dir, 'in.txt'), join(dir, 'out.txt')]);
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe(expectedWordCount(block, copies));
  }, 60_000);

  it('repeats the block as often as makes the size asked for, at least once', () => {
    const block = textBlock(1000, { vocabularySize: 100 });
    expect(copiesFor(block, 10 * block.bytes.length)).toBe(10);
    expect(copiesFor(block, 1)).toBe(1);
  });
});

const second = (at: number, overrides: Partial<RunSecond>): RunSecond => ({
  second: at,
  phase: 'processing',
  uploadedBytes: 100,
  countedBytes: 0,
  fileBytes: 100,
  workers: 1,
  workerCpuCores: 0.1,
  workerCpuTotalCores: 0.1,
  appCpuCores: 0.1,
  ...overrides,
});

const run = (overrides: Partial<RunRecord>): RunRecord => ({
  name: 'without scaling',
  scaled: false,
  uploadSeconds: 10,
  processingSeconds: 100,
  totalSeconds: 110,
  seconds: [second(0, { phase: 'upload', uploadedBytes: 0 }), second(50, {}), second(110, { phase: 'done', countedBytes: 100 })],
  oomKilled: 0,
  resultCorrect: true,
  ...overrides,
});

describe('judging the two runs', () => {
  const baseline = run({});
  const scaled = run({
    name: 'with scaling',
    scaled: true,
    processingSeconds: 25,
    totalSeconds: 33,
    seconds: [second(0, { phase: 'upload' }), second(12, { workers: 4, workerCpuCores: 0.3, workerCpuTotalCores: 1.2, appCpuCores: 0.2 }), second(33, { phase: 'done' })],
  });

  it('meets every goal when scaling added workers, raised CPU, finished sooner, correctly and without OOM', () => {
    const outcome = largeFileOutcome(baseline, scaled);
    expect(outcome.goals.map((g) => [g.name, g.met])).toEqual([
      ['no OOM kill at 100 MB', true],
      ['correct result', true],
      ['the scaler added workers (queue depth)', true],
      ['the scaler raised CPU', true],
      ['the job finished faster than without scaling', true],
    ]);
    expect(outcome.processingSpeedup).toBe(4);
    expect(outcome.totalSpeedup).toBeCloseTo(110 / 33);
    expect(outcome).toMatchObject({ peakWorkers: 4, initialWorkerCpuCores: 0.1, peakWorkerCpuCores: 0.3, peakAppCpuCores: 0.2 });
  });

  it('misses the goals it must: an OOM kill, a wrong or missing result, no scaling, no gain', () => {
    const flat = run({ name: 'with scaling', scaled: true, processingSeconds: 120, oomKilled: 1, resultCorrect: false });
    const goals = Object.fromEntries(largeFileOutcome(baseline, flat).goals.map((g) => [g.name, g]));
    expect(goals['no OOM kill at 100 MB']).toMatchObject({ met: false, detail: '1 container(s) OOM-killed across both runs' });
    expect(goals['correct result']?.met).toBe(false);
    expect(goals['the scaler added workers (queue depth)']?.met).toBe(false);
    expect(goals['the scaler raised CPU']?.met).toBe(false);
    expect(goals['the job finished faster than without scaling']?.met).toBe(false);
    const failed = largeFileOutcome(baseline, { ...scaled, error: 'job errored: disk full' });
    expect(failed.goals.find((g) => g.name === 'correct result')?.detail).toContain('failed (job errored: disk full)');
    expect(failed.goals.find((g) => g.name === 'the job finished faster than without scaling')?.met).toBe(false);
  });
});

describe('the report page', () => {
  it('charts both runs and lists the decisions with their reasons and the goals', () => {
    const baseline = run({});
    const scaled = run({ name: 'with scaling', scaled: true, processingSeconds: 25, totalSeconds: 33 });
    const html = largeFileReportHtml({
      fileBytes: 2 ** 30,
      baseline,
      scaled,
      outcome: largeFileOutcome(baseline, scaled),
      decisions: [
        { time: -3_000, action: 'scale_out', resource: 'replicas', outcome: 'applied', dryRun: false, reason: 'busy second', change: 'demo-worker: replicas 1 → 2' },
        { time: 12_000, action: 'scale_out', resource: 'replicas', outcome: 'applied', dryRun: false, reason: 'backlog <12> chunks', change: 'demo-worker: replicas 2 → 4' },
      ],
      scalerReport: 'large-file-scaler-report.html',
    });
    expect(html).toContain('a 1.00 GiB file');
    expect(html.match(/<svg/g)?.length).toBe(3);
    // A decision from the scaler's first seconds, before the upload began, is listed with its time.
    expect(html).toMatch(/<td>−3 s<\/td><td>demo-worker: replicas 1 → 2<\/td>/);
    expect(html).toMatch(/<td>\+12 s<\/td><td>demo-worker: replicas 2 → 4<\/td>/);
    expect(html).toContain('backlog &lt;12&gt; chunks');
    expect(html).toContain('4.00x faster');
    expect(html).toContain('href="large-file-scaler-report.html"');
  });
});
