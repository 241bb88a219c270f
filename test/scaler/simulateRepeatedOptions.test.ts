/**
 * A flag of `scalewright simulate` given twice. One that takes one value is refused, exit 2, with
 * both values named, before anything is read: the last value was kept without a word
 * (`--all a --all b` read b alone, `--all a --all` the default folder, `--peak-rps 200 --peak-rps
 * 800` ran at 800). One that takes a list (`--synthetic`, `--seed`) adds to it: `--synthetic spike
 * --synthetic ramp` replayed the ramp alone.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateRun } from '../support/simulateRun.js';

const TRACE = 'timestamp_seconds,value\n0,1\n1,5\n2,3\n3,9\n';

/** A folder with one trace in it, as --all reads. */
function traceFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-repeat-'));
  writeFileSync(join(dir, 'step.csv'), TRACE);
  return dir;
}

/** The traces a run replayed, by name, in order. */
async function tracesReplayed(args: string[]): Promise<string[]> {
  const { exitCode, stdout, stderr } = await simulateRun(['--policy', 'hpa', '--json', ...args]);
  expect(exitCode, stderr).toBe(0);
  return (JSON.parse(stdout) as { comparisons: { trace: string }[] }).comparisons.map((comparison) => comparison.trace);
}

describe('a flag that takes one value, given twice, is refused with both values named', () => {
  it('--all with two folders, or with a folder and without one, in either order; each alone is read', async () => {
    const [a, b] = [traceFolder(), traceFolder()];
    for (const [args, first, then] of [
      [['--all', a, '--all', b], JSON.stringify(a), JSON.stringify(b)],
      [['--all', a, '--all'], JSON.stringify(a), 'alone'],
      [['--all', '--all', b], 'alone', JSON.stringify(b)],
    ] as const) {
      expect(await simulateRun([...args]), args.join(' ')).toEqual({
        exitCode: 2,
        stdout: '',
        stderr: `error: --all is given twice (${first}, then ${then}): give one folder, or --all alone for the default one\n`,
      });
    }
    expect(await tracesReplayed(['--all', a])).toEqual(['step.csv']);
  });

  it('--trace, as before', async () => {
    const dir = traceFolder();
    const trace = join(dir, 'step.csv');
    expect((await simulateRun(['--trace', trace, '--trace', trace])).stderr).toBe(`error: --trace is given twice (${JSON.stringify(trace)}, then ${JSON.stringify(trace)}): give one trace, or --all <dir> for every CSV of a folder\n`);
  });

  it('every other flag that takes one value, a default or not, and whatever comes between the two', async () => {
    const trace = join(traceFolder(), 'step.csv');
    const twice: [flag: string, first: string, then: string, instead?: string][] = [
      ['--policy', 'hpa', 'adaptive', 'give one policy, or --policy both'],
      ['--config', 'a.yaml', 'b.yaml'],
      ['--peak-rps', '200', '800'],
      ['--max-replay-step', '60', '60'],
      ['--time-column', '1', 'timestamp_seconds'],
      ['--value-column', '2', 'value'],
      ['--gaps', 'zero', 'hold'],
      ['--cpu-limit', '0.5', '1'],
      ['--cpu-ms-per-request', '10', '20'],
      ['--concurrency', '4', '8'],
      ['--startup-seconds', '30', '60'],
      ['--queue-per-replica', '200', '100'],
      ['--dependency-ms', '0', '200'],
      ['--max-replicas', '10', '40'],
      ['--slo-ms', '500', '300'],
      ['--bridge-seconds', '1', '5'],
      ['--capacity-error', '1.25', '1.5'],
      ['--frontier-window', '60', '120'],
      ['--chart', 'a.svg', 'b.svg'],
      ['--timeline', 'a.svg', 'b.svg', 'give one file, or a folder (a name ending in /) for a chart per trace'],
      ['--timeline-range', '0:2', '1:3'],
      ['--jobs', '1', 'auto'],
    ];
    for (const [flag, first, then, instead = 'give one value'] of twice) {
      expect(await simulateRun(['--trace', trace, flag, first, '--json', flag, then]), flag).toEqual({
        exitCode: 2,
        stdout: '',
        stderr: `error: ${flag} is given twice (${JSON.stringify(first)}, then ${JSON.stringify(then)}): ${instead}\n`,
      });
    }
  });

  it('a flag given once is taken, whether or not it has a default; a flag without a value may be given again', async () => {
    expect(await tracesReplayed(['--synthetic', 'spike', '--peak-rps', '300', '--gaps', 'hold', '--jobs', '1'])).toEqual(['synthetic-spike']);
    expect(await tracesReplayed(['--synthetic', 'spike', '--reverse', '--reverse'])).toEqual(['synthetic-spike (reversed)']);
  });
});

describe('a flag that takes a list, given again, adds to it', () => {
  it('--synthetic a --synthetic b replays a and b, as --synthetic a,b does; a shape named in both runs once', async () => {
    const both = await tracesReplayed(['--synthetic', 'spike', '--synthetic', 'ramp']);
    expect(both).toEqual(['synthetic-spike', 'synthetic-ramp']);
    expect(await tracesReplayed(['--synthetic', 'spike,ramp'])).toEqual(both);
    expect(await tracesReplayed(['--synthetic', 'spike,ramp', '--synthetic', 'spike'])).toEqual(both);
  });

  it('--synthetic without shapes (all), before or after named ones, is all of them', async () => {
    const all = await tracesReplayed(['--synthetic', 'all']);
    expect(all.length).toBeGreaterThan(2);
    expect(await tracesReplayed(['--synthetic', 'spike', '--synthetic'])).toEqual(all);
    expect(await tracesReplayed(['--synthetic', '--synthetic', 'spike'])).toEqual(all);
  });

  it('--seed a --seed b runs each shape once per seed, as --seed a,b does; a seed named in both runs once', async () => {
    const seeds = await tracesReplayed(['--synthetic', 'spike', '--seed', '1', '--seed', '2,1']);
    expect(seeds).toEqual(['synthetic-spike (seed 1)', 'synthetic-spike (seed 2)']);
    expect(await tracesReplayed(['--synthetic', 'spike', '--seed', '1,2'])).toEqual(seeds);
  });

  it('each value is checked on its own: an empty or a bad one among good ones is still refused', async () => {
    expect(await simulateRun(['--synthetic', 'spike', '--synthetic', ''])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^--synthetic: the value is empty; name shapes/) });
    expect(await simulateRun(['--synthetic', 'spike', '--synthetic', ','])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^--synthetic: no shape named in ","; known: /) });
    expect(await simulateRun(['--synthetic', 'spike', '--synthetic', 'nope'])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^--synthetic: unknown shape "nope"; known: /) });
    expect(await simulateRun(['--synthetic', 'spike', '--seed', '1', '--seed', 'x'])).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--seed must be whole numbers from 0 to 4294967295, comma-separated, got "x"') });
  });
});
