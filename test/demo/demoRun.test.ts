import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/processes.js';

const exec = promisify(execFile);

describe('a shortened demo on the real Docker engine', () => {
  it('drives load through the phases, lets the scaler act, writes the report and removes its containers', async () => {
    const out = await mkdtemp(join(tmpdir(), 'sw-demo-'));
    const { stdout } = await exec(
      process.execPath,
      [CLI, 'demo', '--short', '--warmup', '5', '--ramp', '5', '--spike', '20', '--plateau', '5', '--cooldown', '45', '--out', out],
      { maxBuffer: 32 * 1024 * 1024, timeout: 600_000 },
    );
    expect(stdout).toMatch(/\[ {2}0s\] warm-up/);
    expect(stdout).toMatch(/spike/);
    expect(stdout).toMatch(/^Summary: /m);
    const html = await readFile(join(out, 'demo-report.html'), 'utf8');
    expect(html).toContain('<svg');
    const timeline = JSON.parse(await readFile(join(out, 'timeline.json'), 'utf8')) as {
      samples: unknown[];
      outcome: { requests: number; failedPercent: number; peakReplicas: number };
    };
    expect(timeline.samples.length).toBe(80);
    expect(timeline.outcome.requests).toBeGreaterThan(1000);
    expect(timeline.outcome.failedPercent).toBeLessThan(1);
    const report = JSON.parse(await readFile(join(out, 'demo-report.json'), 'utf8')) as { services: Array<{ decisions: Array<{ outcome: string }> }> };
    // The scaler acted on the real containers during the run.
    expect(report.services[0]?.decisions.some((decision) => decision.outcome === 'applied')).toBe(true);
    expect(stdout).toMatch(/removed \d+ container\(s\)/);
    // Only this run's containers: the large-file demo's test may be running beside this one.
    const runId = /^demo ([0-9a-f]+):/m.exec(stdout)?.[1];
    expect(runId).toBeDefined();
    const { stdout: left } = await exec('docker', ['ps', '-aq', '--filter', `label=scalewright.demo=${runId}`]);
    expect(left.trim()).toBe('');
    expect((await stat(join(out, 'scaler.log'))).size).toBeGreaterThan(0);
  }, 660_000);
});
