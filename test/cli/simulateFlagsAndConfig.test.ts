/**
 * `scalewright simulate`'s flags say what they do and do what they say. The --config file's
 * replica ceiling and start-up delay are used where no flag sets them (the flags' defaults, 40 and
 * 30 s, always won), a flag given wins over the file, and the model line and the JSON show what
 * was used. A --timeline-range that ends past the replay is refused, as one wholly past it was. A
 * flag given twice is refused (`--trace a --trace b` replayed b alone), a shape named twice runs
 * once as a seed named twice does, and an empty --synthetic says so. A ratio against an HPA figure
 * of 0 says whether the adaptive policy's is 0 too.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateRun } from '../support/simulateRun.js';

interface Outcome {
  policy: string;
  sloViolationSeconds: number;
  flaps: number;
  peakReplicas: number;
}
interface SimulateJson {
  model: { startupSeconds: number; sloP95Seconds: number };
  config: { replicas: { min: number; max: number }; startupSeconds: number; bridgeSeconds: number; targets: { p95LatencyMs: number } };
  comparisons: { trace: string; outcomes: Outcome[]; ratios?: Record<string, number | null> }[];
}

async function json(args: string[]): Promise<SimulateJson> {
  const { exitCode, stdout, stderr } = await simulateRun([...args, '--json']);
  expect(exitCode, stderr).toBe(0);
  return JSON.parse(stdout) as SimulateJson;
}

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sim-config-')), 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

describe('the --config file and the flags that set its fields', () => {
  const file = () => configFile('replicas: { min: 2, max: 5 }\nstartupSeconds: 12\nbridgeSeconds: 3\ntargets: { p95LatencyMs: 300 }\n');

  it('the file\'s replicas.max, startupSeconds, bridgeSeconds and targets.p95LatencyMs are used where no flag sets them: in the replays, the model line and the JSON', async () => {
    const config = file();
    const { stdout } = await simulateRun(['--synthetic', 'spike', '--policy', 'hpa', '--config', config]);
    expect(stdout).toMatch(/start-up 12 s, p95 objective 300 ms, replicas 2\.\.5\n/);
    expect(stdout).toMatch(/re-sized every 3 s/);
    const used = await json(['--synthetic', 'spike', '--policy', 'hpa', '--config', config]);
    expect(used.model).toMatchObject({ startupSeconds: 12, sloP95Seconds: 0.3 });
    expect(used.config).toMatchObject({ replicas: { min: 2, max: 5 }, startupSeconds: 12, bridgeSeconds: 3, targets: { p95LatencyMs: 300 } });
    // The ceiling holds in the replay: the spikes took the HPA rule to 12 replicas under the default 40.
    expect(used.comparisons[0]!.outcomes[0]!.peakReplicas).toBe(5);
    expect((await json(['--synthetic', 'spike', '--policy', 'hpa'])).comparisons[0]!.outcomes[0]!.peakReplicas).toBeGreaterThan(5);
  });

  it('a flag given on the command line wins over the file', async () => {
    const args = ['--synthetic', 'spike', '--policy', 'hpa', '--config', file(), '--max-replicas', '20', '--startup-seconds', '45', '--bridge-seconds', '2', '--slo-ms', '400'];
    const { stdout } = await simulateRun(args);
    expect(stdout).toMatch(/start-up 45 s, p95 objective 400 ms, replicas 2\.\.20\n/);
    expect(stdout).toMatch(/re-sized every 2 s/);
    expect((await json(args)).config).toMatchObject({ replicas: { min: 2, max: 20 }, startupSeconds: 45, bridgeSeconds: 2, targets: { p95LatencyMs: 400 } });
  });

  it('without --config: 40 replicas at most and a 30 s start-up; with a file that names neither, the same (not the scaler\'s default of 10 replicas, which would cap every shared trace)', async () => {
    expect((await simulateRun(['--synthetic', 'step', '--policy', 'hpa'])).stdout).toMatch(/start-up 30 s, p95 objective 500 ms, replicas 1\.\.40\n/);
    const sparse = configFile('targets: { p95LatencyMs: 250 }\n');
    expect((await simulateRun(['--synthetic', 'step', '--policy', 'hpa', '--config', sparse])).stdout).toMatch(/start-up 30 s, p95 objective 250 ms, replicas 1\.\.40\n/);
    const minimumOnly = configFile('replicas: { min: 3 }\n');
    expect((await simulateRun(['--synthetic', 'step', '--policy', 'hpa', '--config', minimumOnly])).stdout).toMatch(/replicas 3\.\.40\n/);
  });

  it('a flag that does not fit the file is refused naming the flag', async () => {
    const config = configFile('replicas: { min: 50, max: 60 }\n');
    expect((await simulateRun(['--synthetic', 'step', '--config', config])).exitCode).toBe(0);
    expect(await simulateRun(['--synthetic', 'step', '--config', config, '--max-replicas', '40'])).toMatchObject({ exitCode: 2, stderr: '--max-replicas (replicas.max): must be >= replicas.min (50)\n' });
  });
});

describe('what the flags say and do', () => {
  it('--help says --json prints one object: the model, the config and a comparison per trace', async () => {
    const { stdout } = await simulateRun(['--help']);
    const help = stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--json print JSON instead of the table: one object, {"model", "config", "comparisons"}');
    expect(help).not.toMatch(/in an array/);
  });

  it('--timeline-range that ends past the replay\'s end is refused before simulating, with the replay\'s length; one that ends at it is drawn', async () => {
    const chart = join(mkdtempSync(join(tmpdir(), 'sim-range-')), 't.svg');
    const past = await simulateRun(['--synthetic', 'spike', '--timeline', chart, '--timeline-range', '5000:99999']);
    expect(past).toMatchObject({ exitCode: 2, stdout: '', stderr: '--timeline-range 5000:99999 ends past the end of the replay of synthetic-spike, which has 7200 simulated seconds: give a range within 0:7200\n' });
    const beyond = await simulateRun(['--synthetic', 'spike', '--timeline', chart, '--timeline-range', '90000:99999']);
    expect(beyond.stderr).toBe('--timeline-range 90000:99999 lies outside the replay of synthetic-spike, which has 7200 simulated seconds: give a range within 0:7200\n');
    expect((await simulateRun(['--synthetic', 'spike', '--policy', 'hpa', '--timeline', chart, '--timeline-range', '5000:7200'])).exitCode).toBe(0);
    expect(readFileSync(chart, 'utf8')).toContain('drawn: simulated seconds 5000–7200');
  });

  it('--trace given twice is refused (one trace; --all for several), exit 2', async () => {
    const { exitCode, stderr } = await simulateRun(['--trace', 'a.csv', '--trace', 'b.csv']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('--trace is given twice ("a.csv", then "b.csv"): give one trace, or --all <dir> for every CSV of a folder');
  });

  it('a shape named twice, or by a group and by name, runs once, in the order first named, as a seed named twice does', async () => {
    const traces = async (args: string[]) => (await json(['--policy', 'hpa', ...args])).comparisons.map((c) => c.trace);
    expect(await traces(['--synthetic', 'spike,spike'])).toEqual(['synthetic-spike']);
    expect(await traces(['--synthetic', 'ramp,spike,ramp', '--seed', '7,7'])).toEqual(['synthetic-ramp (seed 7)', 'synthetic-spike (seed 7)']);
    const goal = await traces(['--synthetic', 'spike,goal']);
    expect(goal[0]).toBe('synthetic-spike');
    expect(new Set(goal).size).toBe(goal.length);
  });

  it('an empty --synthetic says the value is empty and names the shapes, rather than asking for a trace', async () => {
    const { exitCode, stderr } = await simulateRun(['--synthetic', '']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^--synthetic: the value is empty; name shapes, comma-separated \(known: step, ramp, spike, [^)]*, or goal, held-out, all\), or give --synthetic alone for all\n$/);
  });
});

describe('a ratio against an HPA figure of 0', () => {
  it('is 0/0 in the table when the adaptive policy\'s is 0 too, inf when it is not; JSON writes both as null beside the outcomes\' figures; the chart says which', async () => {
    // Told three times the capacity it has, without feedback, the adaptive policy violates where the HPA rule does not; neither flaps.
    const args = ['--synthetic', 'ramp', '--capacity-error', '3', '--no-latency-feedback'];
    const { stdout } = await simulateRun(args);
    expect(stdout).toMatch(/synthetic-ramp {2}adaptive\/hpa +inf +\d\.\d\dx +0\/0 /);
    const { comparisons } = await json(args);
    const [hpa, adaptive] = comparisons[0]!.outcomes;
    expect(comparisons[0]!.ratios).toMatchObject({ sloViolationSeconds: null, flaps: null });
    expect([hpa!.sloViolationSeconds, adaptive!.sloViolationSeconds]).toEqual([0, expect.any(Number)]);
    expect(adaptive!.sloViolationSeconds).toBeGreaterThan(0);
    expect([hpa!.flaps, adaptive!.flaps]).toEqual([0, 0]);
    const chart = join(mkdtempSync(join(tmpdir(), 'sim-ratio-')), 'ramp.svg');
    expect((await simulateRun([...args, '--timeline', chart])).exitCode).toBe(0);
    expect(readFileSync(chart, 'utf8')).toMatch(/adaptive \/ HPA: violations ∞ \(the HPA rule none\), replica-seconds \d\.\d\d×/);
  });
});
