import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compareOnTrace, compareTasks } from '../../scaler/simulator/compare.js';
import { compareTraces, threadCount, WORK_PER_THREAD, type PoolEvent, type PoolOptions } from '../../scaler/simulator/comparePool.js';
import { syntheticTrace } from '../../scaler/simulator/synthetic.js';
import { CLI } from '../support/processes.js';
import { SIMULATE_DEFAULTS } from './support/simulateDefaults.js';

const runCli = promisify(execFile);

const options: PoolOptions = { ...SIMULATE_DEFAULTS, frontier: { windowSeconds: 60, coresPerReplica: 2 } };

describe('simulating several traces at once (comparePool)', () => {
  it('splits a comparison into one task per policy, then the frontier when asked for', () => {
    expect(compareTasks(options)).toEqual(['hpa', 'adaptive', 'frontier']);
    expect(compareTasks({ policies: ['adaptive'] })).toEqual(['adaptive']);
  });

  it('uses as many threads as asked for, never more than tasks; "auto" only as many as the work pays for', () => {
    expect(threadCount([5, 5, 5], { jobs: 2, automatic: false })).toBe(2);
    expect(threadCount([5], { jobs: 4, automatic: false })).toBe(1);
    expect(threadCount([5, 5, 5], { jobs: 0, automatic: false })).toBe(1);
    // A short run stays on one thread: a worker would spend what it saves compiling the simulator.
    expect(threadCount([WORK_PER_THREAD / 4, WORK_PER_THREAD / 4, WORK_PER_THREAD / 4], { jobs: 2, automatic: true })).toBe(1);
    expect(threadCount([WORK_PER_THREAD, WORK_PER_THREAD / 2, WORK_PER_THREAD / 2], { jobs: 2, automatic: true })).toBe(2);
    expect(threadCount([6 * WORK_PER_THREAD, 6 * WORK_PER_THREAD, WORK_PER_THREAD], { jobs: 8, automatic: true })).toBe(3);
  });

  it('assembles, from the tasks run apart, the comparison of each trace in the order given, as one whole comparison would be', async () => {
    const traces = [syntheticTrace('spike'), syntheticTrace('noise')];
    const events: PoolEvent[] = [];
    const comparisons = await compareTraces(traces, options, { jobs: 1, automatic: false }, (event) => events.push(event));
    expect(comparisons).toEqual(traces.map((trace) => compareOnTrace(trace, options)));
    expect(events[0]).toEqual({ kind: 'start', tasks: 6, threads: 1 });
    expect(events.flatMap((event) => (event.kind === 'done' ? [event.trace.name] : []))).toEqual(['synthetic-spike', 'synthetic-noise']);
  });

  it('on worker threads (the built CLI, --jobs 2) prints byte for byte what one thread prints, frontier and decisions included', async () => {
    const args = [CLI, 'simulate', '--synthetic', 'spike,noise,on-off', '--frontier', '--decisions', '--json'];
    const cli = (jobs: string[]) => runCli(process.execPath, [...args, ...jobs], { maxBuffer: 64 << 20 });
    const [one, two, auto] = await Promise.all([cli(['--jobs', '1']), cli(['--jobs', '2']), cli([])]);
    expect(two.stdout).toBe(one.stdout);
    expect(auto.stdout).toBe(one.stdout);
    // Three generated shapes are a few seconds' work: "auto" keeps them on one thread.
    expect(auto.stderr).toMatch(/^simulating 3 traces \(9 replays\) on 1 thread$/m);
    const parsed = JSON.parse(two.stdout) as { comparisons: { trace: string; frontier?: unknown; outcomes: { decisions?: unknown[] }[] }[] };
    expect(parsed.comparisons.map((c) => c.trace)).toEqual(['synthetic-spike', 'synthetic-noise', 'synthetic-on-off']);
    expect(parsed.comparisons.every((c) => c.frontier !== undefined && c.outcomes.every((o) => (o.decisions?.length ?? 0) > 0))).toBe(true);
    expect(one.stderr).toMatch(/^simulating 3 traces \(9 replays\) on 1 thread$/m);
    expect(two.stderr).toMatch(/^simulating 3 traces \(9 replays\) on 2 threads$/m);
    // Each trace is reported done once, whichever thread finished it.
    for (const name of ['synthetic-spike', 'synthetic-noise', 'synthetic-on-off']) expect(two.stderr.split(`simulated ${name} `).length - 1).toBe(1);
  }, 60_000);

  it('records a timeline in the worker that runs each replay, as one thread does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timeline-'));
    const cli = (jobs: string) => runCli(process.execPath, [CLI, 'simulate', '--synthetic', 'double-peak', '--json', '--jobs', jobs, '--timeline', join(dir, `${jobs}.svg`)], { maxBuffer: 64 << 20 });
    const [one, two] = await Promise.all([cli('1'), cli('2')]);
    expect(two.stderr).toMatch(/^simulating 1 trace \(2 replays\) on 2 threads$/m);
    expect(two.stdout).toBe(one.stdout);
    expect(readFileSync(join(dir, '2.svg'), 'utf8')).toBe(readFileSync(join(dir, '1.svg'), 'utf8'));
    const parsed = JSON.parse(two.stdout) as { comparisons: { timeline?: { policies: { policy: string }[] } }[] };
    expect(parsed.comparisons[0]?.timeline?.policies.map((p) => p.policy)).toEqual(['hpa', 'adaptive']);
  }, 60_000);
});
