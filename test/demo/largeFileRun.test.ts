import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { LargeFileOutcome, RunRecord } from '../../demo/largeFile/largeFileOutcome.js';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

describe('a shortened large-file demo on the real Docker engine', () => {
  it('counts the file through the API on 100 MB workers without and with the scaler, on more workers and faster with it, and says so in its report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'sw-large-'));
    const { stdout } = await exec(process.execPath, [CLI, 'demo-large-file', '--size', '96MiB', '--cooldown', '15', '--out', out], {
      maxBuffer: 32 * 1024 * 1024,
      timeout: 900_000,
    });
    expect(stdout).toMatch(/\[without scaling +0s\] upload/);
    expect(stdout).toMatch(/\[with scaling +0s\] upload/);
    expect(stdout).toMatch(/^Summary: /m);
    const timeline = JSON.parse(await readFile(join(out, 'large-file-timeline.json'), 'utf8')) as { baseline: RunRecord; scaled: RunRecord; outcome: LargeFileOutcome };
    for (const run of [timeline.baseline, timeline.scaled]) {
      expect(run.error, run.name).toBeUndefined();
      expect(run.resultCorrect, run.name).toBe(true);
      expect(run.oomKilled, run.name).toBe(0);
    }
    // Without the scaler nothing moves: one worker at 0.1 CPU throughout.
    expect(new Set(timeline.baseline.seconds.map((s) => `${s.workers}×${s.workerCpuCores}`))).toEqual(new Set(['1×0.1']));
    const goals = Object.fromEntries(timeline.outcome.goals.map((g) => [g.name, g]));
    expect(goals['no OOM kill at 100 MB']?.met).toBe(true);
    expect(goals['correct result']?.met).toBe(true);
    expect(goals['the scaler added workers (queue depth)']?.met).toBe(true);
    expect(goals['the job finished faster than without scaling']?.met).toBe(true);
    // Whether CPU rises in an 18 s count depends on when the bridge and the right-sizing get a
    // tick (they do in the longer runs the README reports); here it must at least be judged.
    expect(goals['the scaler raised CPU']?.detail).toMatch(/^CPU per worker 0\.10 → up to \d\.\d\d cores/);
    const html = await readFile(join(out, 'large-file-report.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBe(3);
    expect(html).toMatch(/demo-worker: replicas 1 → \d/);
    expect((await stat(join(out, 'large-file-scaler-report.html'))).size).toBeGreaterThan(0);
    // Everything it started is gone, the shared volume and the generated input included.
    expect(stdout).toMatch(/removed \d+ container\(s\), network \S+ and volume \S+/);
    // Only this run's: the load demo's test may be running beside this one.
    const runId = /^demo-large-file ([0-9a-f]+):/m.exec(stdout)?.[1];
    expect(runId).toBeDefined();
    const { stdout: left } = await exec('docker', ['ps', '-aq', '--filter', `label=scalewright.demo=${runId}`]);
    expect(left.trim()).toBe('');
    const { stdout: volumes } = await exec('docker', ['volume', 'ls', '-q', '--filter', `label=scalewright.demo=${runId}`]);
    expect(volumes.trim()).toBe('');
    await expect(stat(join(out, 'large-input.txt'))).rejects.toThrow();
  }, 960_000);
});
