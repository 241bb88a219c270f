import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { PolicyComparison } from '../../demo/policyComparison.js';
import { pairOrder, repeatedComparison, repeatedTable } from '../../demo/repeatedComparison.js';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

/** A comparison with only the ratios set (the rest is not read here). */
const pair = (violationRatio: number | null, costRatio: number | null, costPerAnsweredRatio: number | null): PolicyComparison =>
  ({ objectiveP95Ms: 500, violationRatio, costRatio, costPerAnsweredRatio }) as PolicyComparison;

describe('the demo comparison, repeated', () => {
  it('lets each policy run first in turn', () => {
    expect([0, 1, 2, 3].map(pairOrder)).toEqual([['hpa', 'adaptive'], ['adaptive', 'hpa'], ['hpa', 'adaptive'], ['adaptive', 'hpa']]);
  });

  it('gives each ratio its median and range over the pairs', () => {
    const summary = repeatedComparison([pair(0.1, 1.3, 0.7), pair(0.3, 0.9, 0.8), pair(0.2, 1.1, 0.6)]);
    expect(summary.pairs).toBe(3);
    expect(summary.violationRatio).toEqual({ median: 0.2, min: 0.1, max: 0.3, pairs: 3 });
    expect(summary.costRatio?.median).toBeCloseTo(1.1, 9);
    expect(summary.costPerAnsweredRatio).toMatchObject({ min: 0.6, max: 0.8 });
  });

  it('leaves out pairs without a ratio (the HPA run had no violation), and says when none had one', () => {
    const summary = repeatedComparison([pair(null, 1, 1), pair(0.4, 1, 1)]);
    expect(summary.violationRatio).toEqual({ median: 0.4, min: 0.4, max: 0.4, pairs: 1 });
    expect(repeatedComparison([pair(null, 1, 1)]).violationRatio).toBeNull();
  });

  it('prints a line a pair, saying which policy ran first, then the medians and ranges', () => {
    const lines = repeatedTable([pair(0.1, 1.3, 0.7), pair(0.3, 0.9, null)]);
    expect(lines[0]).toBe('pair  1 (HPA rule first): violation-seconds  0.10×  core-seconds  1.30×  per answer  0.70×');
    expect(lines[1]).toBe('pair  2 (adaptive policy first): violation-seconds  0.30×  core-seconds  0.90×  per answer    n/a');
    expect(lines[2]).toBe(
      'adaptive / HPA rule over 2 pairs, median (range): violation-seconds 0.20× (0.10–0.30×), core-seconds 1.10× (0.90–1.30×), per request answered 0.70× (0.70–0.70×)',
    );
  });

  it('is refused before anything starts without --policy both, or with a count that is not a whole number ≥ 1', async () => {
    for (const args of [['--repeat', '2'], ['--policy', 'both', '--repeat', '0'], ['--policy', 'both', '--repeat', '1.5']]) {
      const refused = await exec(process.execPath, [CLI, 'demo', ...args]).then(() => undefined, (error: { code: number; stdout: string }) => error);
      expect(refused?.code).toBe(2);
      expect(refused?.stdout).toMatch(/--repeat (must be a whole number|repeats the comparison: it needs --policy both)/);
    }
  });
});
