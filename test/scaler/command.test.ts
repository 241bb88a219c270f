import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fileNamesFor } from '../../scaler/simulator/command.js';
import { CLI } from '../support/processes.js';
import { simulateRun } from '../support/simulateRun.js';

/** The first comparison's outcomes and rescaling line of a `--json` run that succeeds, and its stderr. */
async function outcomes(args: string[]): Promise<{ outcomes: unknown[]; rescaling: string; stderr: string }> {
  const { exitCode, stdout, stderr } = await simulateRun([...args, '--json']);
  expect(exitCode).toBe(0);
  const parsed = JSON.parse(stdout) as { comparisons: { outcomes: unknown[]; rescaling: string }[] };
  return { outcomes: parsed.comparisons[0]!.outcomes, rescaling: parsed.comparisons[0]!.rescaling, stderr };
}

describe('scalewright simulate', () => {
  it('--help names every flag with its default', async () => {
    const { stdout: help } = await simulateRun(['--help']);
    for (const flag of ['--trace', '--all', '--policy', '--json', '--config', '--peak-rps', '--max-replay-step', '--cpu-limit', '--cpu-ms-per-request', '--concurrency', '--startup-seconds', '--queue-per-replica', '--max-replicas', '--slo-ms', '--no-bridge', '--no-latency-feedback', '--capacity-error', '--dependency-ms', '--frontier', '--frontier-window', '--chart', '--seed', '--decisions', '--gaps', '--jobs', '--events', '--value-column', '--time-column', '--timeline', '--timeline-range']) {
      expect(help).toContain(flag);
    }
    expect(help).toMatch(/default: 560/);
    expect(help).toMatch(/Environment: none/);
  });
  it('a bad trace file gives the line numbers and exit code 2, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    writeFileSync(join(dir, 'bad.csv'), 'timestamp_seconds,value\n0,1\n1,oops\n');
    const { exitCode, stderr } = await simulateRun(['--trace', join(dir, 'bad.csv')]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/cannot read trace bad\.csv:\n {2}line 3: value is not a number: "oops"/);
  });
  it('without --trace or --all it explains what to give, with the usage exit code 2', async () => {
    const { exitCode, stderr } = await simulateRun([]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/give a trace: --trace <csv>, or --all \[dir\]/);
  });
  it('prints the table with both policies, the ratios and the rescaling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const rows = ['timestamp_seconds,value', ...Array.from({ length: 600 }, (_, t) => `${t},${t > 200 && t < 400 ? 40 : 10}`)];
    writeFileSync(join(dir, 'step.csv'), rows.join('\n'));
    const { exitCode, stdout, stderr } = await simulateRun(['--trace', join(dir, 'step.csv'), '--peak-rps', '200']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/step\.csv\s+hpa/);
    expect(stdout).toMatch(/step\.csv\s+adaptive\/hpa/);
    expect(stdout).toMatch(/time: real time \(1 s rows\); load: values ×5\.00 → peak 200 rps/);
    expect(stderr).toMatch(/simulated step\.csv/);
  });
  it('--events replays a request log as the per-second counts it makes; --value-column and --time-column pick a wider file\'s columns; --events with --value-column is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    // Per-second counts; the same requests as a log (at odd instants within their second, in the
    // Azure traces' date format); and a wide file whose counts are its 3rd column.
    const counts = Array.from({ length: 900 }, (_, t) => (t % 97 === 0 ? 0 : 3 + ((t * 7) % 11) + (t > 300 && t < 420 ? 12 : 0)));
    // A log starts at its first request and ends at its last: the counts do too.
    counts[0] = 5;
    counts[899] = 4;
    writeFileSync(join(dir, 'counts.csv'), ['timestamp_seconds,value', ...counts.map((count, t) => `${t},${count}`)].join('\n'));
    const stamp = (t: number, k: number) => new Date(Date.UTC(2023, 10, 16, 18, 0, 0) + t * 1000 + ((k * 137) % 1000)).toISOString().replace('T', ' ').replace('Z', '0000');
    const requests = counts.flatMap((count, t) => Array.from({ length: count }, (_, k) => `${stamp(t, k)},${100 + k},${10 + k}`));
    // Newest first: a log's order does not matter.
    writeFileSync(join(dir, 'log.csv'), ['TIMESTAMP,ContextTokens,GeneratedTokens', ...requests.reverse()].join('\n'));
    writeFileSync(join(dir, 'wide.csv'), ['timestamp,model,requests', ...counts.map((count, t) => `${t},m,${count}`)].join('\n'));
    // The Azure Functions invocation trace's layout: the time (seconds, when each call ended) is the 3rd column.
    const calls = counts.flatMap((count, t) => Array.from({ length: count }, (_, k) => `app${k % 3},f${k % 5},${(t + ((k * 211) % 1000) / 1000).toFixed(3)},0.25`));
    writeFileSync(join(dir, 'functions.csv'), ['app,func,end_timestamp,duration', ...calls].join('\n'));
    const fromCounts = await outcomes(['--trace', join(dir, 'counts.csv')]);
    const fromLog = await outcomes(['--trace', join(dir, 'log.csv'), '--events']);
    const fromWide = await outcomes(['--trace', join(dir, 'wide.csv'), '--value-column', 'requests']);
    expect(fromLog.outcomes).toEqual(fromCounts.outcomes);
    expect(fromLog.rescaling).toBe(fromCounts.rescaling);
    expect(fromLog.stderr).toMatch(new RegExp(`read log\\.csv as a request log: ${counts.reduce((a, b) => a + b, 0)} requests, counted per second over 900 s`));
    expect(fromWide.outcomes).toEqual(fromCounts.outcomes);
    const fromFunctions = await outcomes(['--trace', join(dir, 'functions.csv'), '--events', '--time-column', 'end_timestamp']);
    expect(fromFunctions.outcomes).toEqual(fromCounts.outcomes);
    expect(await simulateRun(['--trace', join(dir, 'log.csv'), '--events', '--value-column', '2'])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--events counts the rows of a request log and reads no value column/) });
  });
  it('--events reads a request log in epoch milliseconds under a header that names no unit as such, and says so; a header that names seconds over them is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const counts = Array.from({ length: 300 }, (_, t) => 2 + ((t * 5) % 7) + (t > 100 && t < 160 ? 9 : 0));
    writeFileSync(join(dir, 'counts.csv'), ['timestamp_seconds,value', ...counts.map((count, t) => `${t},${count}`)].join('\n'));
    // Read as seconds, these requests were 1000 s apart (300 s of log counted over 83 hours).
    const requests = counts.flatMap((count, t) => Array.from({ length: count }, (_, k) => `${1_700_000_000_000 + t * 1000 + ((k * 137) % 1000)},${100 + k}`));
    writeFileSync(join(dir, 'log-ms.csv'), ['timestamp,tokens', ...[...requests].reverse()].join('\n'));
    writeFileSync(join(dir, 'log-s.csv'), ['timestamp_s,tokens', ...requests].join('\n'));
    // Newest first: the note dates the first row, the log's last request (its first is 22:13:20).
    const note = 'timestamps read as milliseconds since the epoch, the first 2023-11-14T22:18:19Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138)';
    const fromCounts = await outcomes(['--trace', join(dir, 'counts.csv')]);
    const fromLog = await outcomes(['--trace', join(dir, 'log-ms.csv'), '--events']);
    expect(fromLog.outcomes).toEqual(fromCounts.outcomes);
    expect(fromLog.stderr).toContain(`read log-ms.csv as a request log: ${requests.length} requests, counted per second over 300 s; ${note}\n`);
    expect(fromLog.rescaling).toBe(fromCounts.rescaling.replace(/^time: /, `time: ${note}; `));
    const refused = await simulateRun(['--trace', join(dir, 'log-s.csv'), '--events']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/cannot read trace log-s\.csv:\n {2}the timestamp column "timestamp_s" names seconds, but the first timestamp, 1700000000000, is too large to be seconds since the epoch/);
  });
  it('--capacity-error tells the adaptive policy a wrong capacity and says so; --no-latency-feedback turns the correction off', async () => {
    const { exitCode, stdout } = await simulateRun(['--synthetic', 'step', '--capacity-error', '1.5', '--no-latency-feedback', '--policy', 'adaptive']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/adaptive: latency feedback off; told 1\.5× the capacity per replica the model has \(75 req\/s\)/);
  });
  it('--dependency-ms adds a slow dependency to the model and says so; a negative one is refused', async () => {
    const { exitCode, stdout } = await simulateRun(['--synthetic', 'step', '--dependency-ms', '600', '--policy', 'adaptive']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/start-up 30 s, 600 ms on a dependency per request, p95 objective 500 ms/);
    expect(await simulateRun(['--synthetic', 'step', '--dependency-ms', '-5'])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--dependency-ms must be a number of 0 or more, got "-5"/) });
  });
  it('--frontier says, per trace, what the goal costs the clairvoyant planner; --chart writes the picture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const { exitCode, stdout, stderr } = await simulateRun(['--synthetic', 'spike', '--chart', join(dir, 'frontier.svg')]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/clairvoyant frontier \(knows the loads of ±60 s but not their order, acts at once, replicas of 2 cores; 35 prices\):\n {2}synthetic-spike: ≤ \d+ violation-s \(half the HPA's\) costs it \d+ replica-s \(mixing its plans at prices 4\.00 and 16\.0, \d+% of the seconds at the dearer\), 0\.61x the HPA's: the goal is within its reach/);
    expect(stderr).toContain(`wrote the frontier chart to ${join(dir, 'frontier.svg')}`);
    const svg = readFileSync(join(dir, 'frontier.svg'), 'utf8');
    expect(svg).toContain('synthetic-spike');
    expect(svg).toContain('<polyline');
  });
  it('--timeline writes one replay over time as a chart: load and capacity, replicas, violations so far', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const { exitCode, stdout, stderr } = await simulateRun(['--synthetic', 'spike', '--timeline', join(dir, 'spike.svg')]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/synthetic-spike\s+adaptive\/hpa/);
    expect(stderr).toContain(`wrote the timeline of synthetic-spike to ${join(dir, 'spike.svg')}`);
    const svg = readFileSync(join(dir, 'spike.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toMatch(/synthetic-spike: adaptive \/ HPA: violations \d\.\d\d×, replica-seconds \d\.\d\d×/);
    for (const title of ['Load and ready capacity, requests/s', 'Replicas', 'SLO-violation seconds so far', 'HPA rule', 'adaptive policy']) expect(svg).toContain(title);
    // Its styles travel with it: the file stands alone.
    expect(svg).toContain('<style>');
  });
  it('--timeline into a folder writes a chart per trace, named after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    // A name ending in a slash is a folder, as is an existing one.
    // A folder named with a slash is created if missing.
    let stderr = '';
    for (const folder of [`${join(dir, 'new', 'charts')}/`, dir]) {
      const run = await simulateRun(['--synthetic', 'spike,ramp', '--seed', '42,7', '--policy', 'hpa', '--timeline', folder]);
      expect(run.exitCode).toBe(0);
      stderr += run.stderr;
      const files = readdirSync(folder).filter((file) => file.endsWith('.svg')).sort();
      expect(files).toEqual(['synthetic-ramp.svg', 'synthetic-ramp_seed_7.svg', 'synthetic-spike.svg', 'synthetic-spike_seed_7.svg']);
      expect(readFileSync(join(folder, 'synthetic-ramp_seed_7.svg'), 'utf8')).toContain('synthetic-ramp (seed 7): HPA rule alone');
    }
    expect(stderr).toContain(`wrote the timeline of synthetic-spike (seed 7) to ${join(dir, 'synthetic-spike_seed_7.svg')}`);
    expect(fileNamesFor(['worldcup98_1h.csv', 'worldcup98_1h.csv (reversed)', 'a b.csv', 'a_b', '(((']).join(' ')).toBe('worldcup98_1h worldcup98_1h_reversed a_b a_b-2 trace');
  });
  it('--timeline is refused, before anything is simulated, for more than one trace in one file or with no folder to write to', async () => {
    /** The run is refused, exit code 2, having simulated nothing; what it said on stderr. */
    const refusedBeforeSimulating = async (args: string[]) => {
      const { exitCode, stderr } = await simulateRun(args);
      expect(exitCode).toBe(2);
      expect(stderr).not.toMatch(/simulated synthetic/);
      return stderr;
    };
    expect(await refusedBeforeSimulating(['--synthetic', 'spike,ramp', '--timeline', join(tmpdir(), 't.svg')])).toMatch(/--timeline \S+t\.svg is one file, for one replay, and there are 2 traces: give a folder \(a name ending in \/\) for a chart per trace/);
    const file = join(mkdtempSync(join(tmpdir(), 'sim-')), 'a-file');
    writeFileSync(file, '');
    expect(await refusedBeforeSimulating(['--synthetic', 'spike,ramp', '--timeline', `${file}/charts/`])).toContain(`--timeline: not a folder: ${file}\n`);
    // A run refused for another reason creates no folder.
    const unused = join(tmpdir(), `never-${process.pid}`, 'charts/');
    await refusedBeforeSimulating(['--synthetic', 'spike', '--timeline', unused, '--timeline-range', '90000:90060']);
    expect(existsSync(unused)).toBe(false);
    await refusedBeforeSimulating(['--synthetic', 'spike', '--seed', '1,2', '--timeline', join(tmpdir(), 't.svg')]);
    expect(await refusedBeforeSimulating(['--synthetic', 'spike', '--timeline', '/no/such/folder/t.svg'])).toMatch(/--timeline: no such folder: \/no\/such\/folder/);
    expect(await refusedBeforeSimulating(['--synthetic', 'spike', '--timeline-range', '0:60'])).toMatch(/--timeline-range says what the --timeline chart shows: give --timeline <file\.svg> too/);
    expect(await refusedBeforeSimulating(['--synthetic', 'spike', '--timeline', join(tmpdir(), 't.svg'), '--timeline-range', '90000:90060'])).toMatch(/--timeline-range 90000:90060 lies outside the replay of synthetic-spike, which has \d+ simulated seconds/);
    for (const bad of ['60:0', '5', 'a:b', '1.5:9', '-1:5']) {
      expect(await simulateRun(['--synthetic', 'spike', '--timeline', 't.svg', '--timeline-range', bad])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--timeline-range must be from:to in whole simulated seconds, from before to \(600:1800\)/) });
    }
  });
  it('--chart is refused, before anything is simulated, without both policies or with no folder to write to; --frontier-window must be whole seconds', async () => {
    const onePolicy = await simulateRun(['--synthetic', 'spike', '--chart', 'f.svg', '--policy', 'hpa']);
    expect(onePolicy.exitCode).toBe(2);
    expect(onePolicy.stderr).toMatch(/--chart draws both policies against the frontier: it needs --policy both, not hpa/);
    const noFolder = await simulateRun(['--synthetic', 'spike', '--chart', '/no/such/folder/f.svg']);
    expect(noFolder.exitCode).toBe(2);
    expect(noFolder.stderr).toMatch(/--chart: no such folder: \/no\/such\/folder/);
    for (const { stderr } of [onePolicy, noFolder]) expect(stderr).not.toMatch(/simulated/);
    expect(await simulateRun(['--synthetic', 'spike', '--frontier', '--frontier-window', '0.5'])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--frontier-window must be a whole number of seconds, 1 or more, got "0.5"/) });
  });
  it('a capacity error that is not a positive number is refused', async () => {
    expect(await simulateRun(['--synthetic', 'step', '--capacity-error', '-1'])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--capacity-error must be a positive number, got "-1"/) });
  });
  it('--jobs must be a whole number of threads, 1 or more, or "auto"', async () => {
    for (const bad of ['0', '1.5', 'many']) {
      expect(await simulateRun(['--synthetic', 'step', '--jobs', bad])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(new RegExp(`--jobs must be a whole number, 1 or more, or "auto", got "${bad}"`)) });
    }
  });
  it('--json prints machine-readable results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    writeFileSync(join(dir, 'flat.csv'), ['timestamp_seconds,value', ...Array.from({ length: 300 }, (_, t) => `${t},5`)].join('\n'));
    const { stdout } = await simulateRun(['--trace', join(dir, 'flat.csv'), '--json', '--policy', 'adaptive']);
    const parsed = JSON.parse(stdout);
    expect(parsed.comparisons[0].outcomes[0]).toMatchObject({ policy: 'adaptive', sloViolationSeconds: 0, flaps: 0 });
  });
  it('--decisions lists every replica change of each policy with its second and reason, as many as the table counts', async () => {
    const { exitCode, stdout: text } = await simulateRun(['--synthetic', 'spike', '--decisions']);
    expect(exitCode).toBe(0);
    for (const policy of ['hpa', 'adaptive']) {
      const counted = Number(new RegExp(`synthetic-spike\\s+${policy}\\s+\\d+\\s+\\d+\\s+(\\d+)`).exec(text)![1]);
      const block = text.split(`decisions of ${policy} on synthetic-spike (replica changes, at simulated seconds):\n`)[1]!.split('\n\n')[0]!;
      const lines = block.trim().split('\n');
      expect(lines).toHaveLength(counted);
      for (const line of lines) expect(line).toMatch(/^\s*\d+ s {2}\d+ → \d+ {2}\S/);
    }
    // the adaptive policy answers the first spike at once, and says why
    expect(text).toMatch(/ 1205 s {2}3 → 4 {2}panic: [\d.]+ rps now is beyond what 3 ready replicas carry even bridged/);
  });
  it('--json --decisions gives each outcome its decisions (signals and thresholds included), chained from one size to the next; without the flag there are none', async () => {
    const withDecisions = JSON.parse((await simulateRun(['--synthetic', 'spike', '--json', '--decisions'])).stdout);
    for (const outcome of withDecisions.comparisons[0].outcomes) {
      const decisions = outcome.decisions as { second: number; decision: { from: number; to: number; reason: string; signals: object; thresholds: object; policy: string } }[];
      expect(decisions).toHaveLength(outcome.scaleActions);
      decisions.forEach(({ second, decision }, i) => {
        expect(decision.policy).toBe(outcome.policy);
        expect(decision.reason.length).toBeGreaterThan(0);
        expect(decision.signals).toBeTypeOf('object');
        expect(decision.to).not.toBe(decision.from);
        if (i > 0) {
          expect(decision.from).toBe(decisions[i - 1]!.decision.to);
          expect(second).toBeGreaterThan(decisions[i - 1]!.second);
        }
      });
    }
    const withoutDecisions = JSON.parse((await simulateRun(['--synthetic', 'spike', '--json'])).stdout);
    expect(withoutDecisions.comparisons[0].outcomes[1]).not.toHaveProperty('decisions');
  });
  it('--synthetic runs generated shapes (held-out ones too), --reverse plays them backwards; an unknown shape, or none, is exit code 2', async () => {
    const { exitCode, stdout } = await simulateRun(['--synthetic', 'square-30s', '--reverse', '--json', '--policy', 'hpa']);
    expect(exitCode).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.comparisons.map((c: { trace: string }) => c.trace)).toEqual(['synthetic-square-30s (reversed)']);
    expect(await simulateRun(['--synthetic', 'wobble'])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--synthetic: unknown shape "wobble"/) });
    expect(await simulateRun(['--synthetic', ' , '])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--synthetic: no shape named in " , "/) });
  });
  it('--seed runs each generated shape once per seed, named by it (the default seed, 42, keeps the plain name); a bad seed, or one with no shape to seed, is refused', async () => {
    const { exitCode, stdout } = await simulateRun(['--synthetic', 'noise,spike', '--seed', '7,42,7', '--json', '--policy', 'hpa']);
    expect(exitCode).toBe(0);
    const comparisons: { trace: string; outcomes: { sloViolationSeconds: number; replicaSeconds: number }[] }[] = JSON.parse(stdout).comparisons;
    expect(comparisons.map((c) => c.trace)).toEqual(['synthetic-noise (seed 7)', 'synthetic-noise', 'synthetic-spike (seed 7)', 'synthetic-spike']);
    // Another draw of the same shape: other figures.
    expect(comparisons[0]!.outcomes[0]!.replicaSeconds).not.toBe(comparisons[1]!.outcomes[0]!.replicaSeconds);
    for (const bad of ['-1', '1.5', 'x', '1,,2', '4294967296']) {
      expect(await simulateRun(['--synthetic', 'noise', '--seed', bad])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--seed must be whole numbers from 0 to 4294967295, comma-separated/) });
    }
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    writeFileSync(join(dir, 'flat.csv'), 'timestamp_seconds,value\n0,10\n1,10\n');
    expect(await simulateRun(['--trace', join(dir, 'flat.csv'), '--seed', '3'])).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--seed seeds the generated shapes: give --synthetic too') });
  });

  describe('a flag that names a file or folder of the wrong kind: exit code 2 and one line, before anything is simulated', () => {
    const folder = () => {
      const dir = mkdtempSync(join(tmpdir(), 'sim-'));
      writeFileSync(join(dir, 'good.csv'), 'timestamp_seconds,value\n0,1\n1,2\n2,3\n');
      return dir;
    };

    it('--config: a missing file, a folder, a bad field; --max-replicas under the config\'s minimum names the flag', async () => {
      const dir = folder();
      const trace = join(dir, 'good.csv');
      expect(await simulateRun(['--trace', trace, '--config', join(dir, 'nofile.yaml')])).toEqual({ exitCode: 2, stdout: '', stderr: `--config: no such file: ${join(dir, 'nofile.yaml')}\n` });
      expect(await simulateRun(['--trace', trace, '--config', dir])).toMatchObject({ exitCode: 2, stderr: `--config: not a file: ${dir}\n` });
      writeFileSync(join(dir, 'bad.yaml'), 'bogus: 1\n');
      expect(await simulateRun(['--trace', trace, '--config', join(dir, 'bad.yaml')])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^invalid policy config \S+bad\.yaml: bogus: Unrecognized key[^\n]*\n$/) });
      // Valid on its own; the replica ceiling of 40 the flag gives is what is wrong with it.
      writeFileSync(join(dir, 'min.yaml'), 'replicas: { min: 50, max: 60 }\n');
      expect(await simulateRun(['--trace', trace, '--config', join(dir, 'min.yaml'), '--max-replicas', '40'])).toMatchObject({ exitCode: 2, stderr: '--max-replicas (replicas.max): must be >= replicas.min (50)\n' });
      // A flag's own value is checked as it is read, and the message names the flag, not the config.
      const { exitCode, stderr } = await simulateRun(['--trace', trace, '--max-replicas', '2.5']);
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(/--max-replicas must be a whole number from 1 to 1000, got "2\.5"/);
      expect(stderr).not.toMatch(/policy config/);
    });
    it('--trace: a folder, a device that never ends, a file over the size limit; --all: a file', async () => {
      const dir = folder();
      expect(await simulateRun(['--trace', dir])).toEqual({ exitCode: 2, stdout: '', stderr: `--trace: not a file: ${dir}\n` });
      expect(await simulateRun(['--all', join(dir, 'good.csv')])).toMatchObject({ exitCode: 2, stderr: `--all: not a folder: ${join(dir, 'good.csv')}\n` });
      if (existsSync('/dev/zero')) expect(await simulateRun(['--trace', '/dev/zero'])).toMatchObject({ exitCode: 2, stderr: '--trace: not a regular file: /dev/zero\n' });
      // A sparse file: 300 MB long, nothing written, refused by its size before it is read.
      const big = join(dir, 'big', 'huge.csv');
      mkdirSync(join(dir, 'big'));
      writeFileSync(big, '');
      truncateSync(big, 300_000_000);
      expect(await simulateRun(['--trace', big])).toMatchObject({ exitCode: 2, stderr: `--trace: ${big} is 300 MB, over the 256 MB a trace may be\n` });
      expect(await simulateRun(['--all', join(dir, 'big')])).toMatchObject({ exitCode: 2, stderr: `--all: ${big} is 300 MB, over the 256 MB a trace may be\n` });
    });
    it('--chart or --timeline naming a folder as the file, or a folder that cannot be made, is refused before simulating', async () => {
      const dir = folder();
      expect(await simulateRun(['--synthetic', 'spike', '--chart', dir])).toEqual({ exitCode: 2, stdout: '', stderr: `--chart: is a folder, not a file: ${dir}\n` });
      const file = join(dir, 'good.csv');
      expect(await simulateRun(['--synthetic', 'spike', '--timeline', join(file, 'tl.svg')])).toMatchObject({ exitCode: 2, stderr: `--timeline: not a folder: ${file}\n` });
      // Node's recursive mkdir never returns under /proc: the folder is made one level at a time.
      if (existsSync('/proc/self')) expect(await simulateRun(['--synthetic', 'spike', '--timeline', '/proc/tl/'])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^--timeline: cannot create the folder \/proc\/tl: [^\n]+\n$/) });
    });
    it('a bad trace line is quoted in at most 80 characters; a whole-file problem names no line', async () => {
      const dir = folder();
      writeFileSync(join(dir, 'long.csv'), `timestamp_seconds,value\n0,1\n1,${'9x'.repeat(2_500_000)}\n`);
      const long = await simulateRun(['--trace', join(dir, 'long.csv')]);
      expect(long.exitCode).toBe(2);
      expect(long.stderr).toBe(`cannot read trace long.csv:\n  line 3: value is not a number: "${'9x'.repeat(40)}"… (5000000 characters)\n`);
      writeFileSync(join(dir, 'empty.csv'), '');
      expect(await simulateRun(['--trace', join(dir, 'empty.csv')])).toMatchObject({ exitCode: 2, stderr: 'cannot read trace empty.csv:\n  a trace needs at least 2 data rows, found 0\n' });
      expect(await simulateRun(['--trace', join(dir, 'good.csv'), '--value-column', 'zz'])).toMatchObject({ exitCode: 2, stderr: 'cannot read trace good.csv:\n  --value-column: no column named "zz"; the header has timestamp_seconds, value\n' });
    });
  });
});

describe('a trace file is read a line at a time, not whole', () => {
  it('the built CLI simulates a trace of a million rows (17 MB) in a JavaScript heap of 40 MB, which its text and its lines would not fit in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-heap-'));
    const trace = join(dir, 'million.csv');
    try {
      const out = createWriteStream(trace);
      out.write('timestamp_seconds,value\n');
      for (let block = 0; block < 100; block += 1) {
        const rows = Array.from({ length: 10_000 }, (_, i) => `${1_700_000_000 + block * 10_000 + i},${100 + ((block * 31 + i) % 97)}.5\n`);
        if (!out.write(rows.join(''))) await new Promise<void>((drained) => out.once('drain', () => drained()));
      }
      await new Promise<void>((closed) => out.end(() => closed()));
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--max-old-space-size=40', CLI, 'simulate', '--trace', trace, '--policy', 'hpa', '--jobs', '1'], { maxBuffer: 1 << 20 });
      expect(stderr).toContain('simulated million.csv (1000000 rows)');
      expect(stdout).toMatch(/million\.csv: time: real time \(1 s rows\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
