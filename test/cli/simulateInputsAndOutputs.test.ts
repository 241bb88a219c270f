/**
 * What `scalewright simulate` reads and what it writes. A chart never lands on a file the run
 * reads (`--timeline victim.csv` with `--trace victim.csv` replaced the trace by its chart). A
 * folder of traces is reported whole: every bad file with its problems, not the first alone. A
 * trace's time is read as written or refused: a unit of time the reader has no factor for
 * (`timestamp_ns` was read as seconds) and a day the calendar does not have (2024-02-30 rolled
 * over to March 1st) are refused. The rescaling line speaks in figures a reader takes in.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realPathOf } from '../../scaler/simulator/outputPaths.js';
import { replayTrace } from '../../scaler/simulator/replay.js';
import { parseTraceCsv, TraceParseError } from '../../scaler/simulator/trace.js';
import { timestampUnitSeconds } from '../../scaler/simulator/timestampUnit.js';
import { simulateRun } from '../support/simulateRun.js';

const TRACE = 'timestamp_seconds,value\n0,1\n1,5\n2,3\n3,9\n';

function traceFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-io-'));
  writeFileSync(join(dir, 'victim.csv'), TRACE);
  writeFileSync(join(dir, 'other.csv'), TRACE);
  writeFileSync(join(dir, 'policy.yaml'), 'replicas: { min: 1, max: 8 }\n');
  return dir;
}

const parseProblems = (text: string) => {
  try {
    parseTraceCsv(text, 'bad.csv');
  } catch (error) {
    if (error instanceof TraceParseError) return error.problems;
    throw error;
  }
  throw new Error('expected a TraceParseError');
};

describe('a chart is never written over a file the run reads', () => {
  it('--timeline or --chart naming the --trace file (as given, spelled otherwise, or through a symbolic link) is refused, exit 2, one line naming the flag and the path; the trace is left as it was', async () => {
    const dir = traceFolder();
    const victim = join(dir, 'victim.csv');
    symlinkSync('victim.csv', join(dir, 'link.svg'));
    const spelledOtherwise = `${dir}/../${basename(dir)}/./victim.csv`;
    for (const [flag, path, says] of [
      ['--timeline', victim, `--timeline: ${victim} is the --trace file: the chart would overwrite it; give another file`],
      ['--timeline', spelledOtherwise, `--timeline: ${spelledOtherwise} is the --trace file (${victim}): the chart would overwrite it; give another file`],
      ['--timeline', join(dir, 'link.svg'), `--timeline: ${join(dir, 'link.svg')} is the --trace file (${victim}): the chart would overwrite it; give another file`],
      ['--chart', victim, `--chart: ${victim} is the --trace file: the chart would overwrite it; give another file`],
    ] as const) {
      const { exitCode, stderr } = await simulateRun(['--trace', victim, flag, path]);
      expect({ exitCode, stderr }).toEqual({ exitCode: 2, stderr: `${says}\n` });
    }
    expect(readFileSync(victim, 'utf8')).toBe(TRACE);
  });

  it('a file an --all folder holds, or the --config file, is refused as the chart\'s file too', async () => {
    const dir = traceFolder();
    expect(await simulateRun(['--all', dir, '--chart', join(dir, 'other.csv')])).toMatchObject({ exitCode: 2, stderr: `--chart: ${join(dir, 'other.csv')} is a trace --all reads: the chart would overwrite it; give another file\n` });
    const config = join(dir, 'policy.yaml');
    expect(await simulateRun(['--trace', join(dir, 'victim.csv'), '--config', config, '--timeline', config])).toMatchObject({ exitCode: 2, stderr: `--timeline: ${config} is the --config file: the chart would overwrite it; give another file\n` });
    expect(readFileSync(join(dir, 'other.csv'), 'utf8')).toBe(TRACE);
    expect(readFileSync(config, 'utf8')).toBe('replicas: { min: 1, max: 8 }\n');
  });

  it('a --timeline folder is checked chart by chart, each named after its trace: one that would land on the --config file, or on the --chart file, is refused before anything is simulated', async () => {
    const dir = traceFolder();
    const charts = join(dir, 'charts');
    mkdirSync(charts);
    // A YAML config may have any name, that of a chart too.
    const config = join(charts, 'synthetic-spike.svg');
    writeFileSync(config, 'replicas: { min: 1, max: 8 }\n');
    const onConfig = await simulateRun(['--synthetic', 'spike', '--config', config, '--timeline', `${charts}/`]);
    expect(onConfig).toMatchObject({ exitCode: 2, stderr: `--timeline: ${config} is the --config file: the chart would overwrite it; give another folder\n` });
    const chart = join(dir, 'frontier.svg');
    const onChart = await simulateRun(['--synthetic', 'spike', '--chart', chart, '--timeline', chart]);
    expect(onChart).toMatchObject({ exitCode: 2, stderr: `--timeline: ${chart} is also where --chart writes: give another file, so that each chart has its own\n` });
    expect(onChart.stderr).not.toMatch(/simulated/);
    // The charts of the traces themselves, `<name>.svg`, are not the traces: the run writes them.
    const run = await simulateRun(['--all', dir, '--policy', 'hpa', '--timeline', `${charts}/`]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(`wrote the timeline of victim.csv to ${join(charts, 'victim.svg')}`);
    expect(readFileSync(join(dir, 'victim.csv'), 'utf8')).toBe(TRACE);
  });

  it('compares paths as the file system resolves them: a link is its target, a file not yet written is its real folder and its name', () => {
    const dir = traceFolder();
    symlinkSync(dir, join(dir, 'again'));
    expect(realPathOf(join(dir, 'again', 'victim.csv'))).toBe(realPathOf(join(dir, 'victim.csv')));
    expect(realPathOf(join(dir, 'again', 'new', 'chart.svg'))).toBe(join(realPathOf(dir), 'new', 'chart.svg'));
  });
});

describe('every bad file of an --all folder is reported', () => {
  it('each with its problems, in the folder\'s order, exit 2, nothing simulated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-all-'));
    writeFileSync(join(dir, 'a.csv'), 'timestamp,value\n0,1\n1,x\n');
    writeFileSync(join(dir, 'b.csv'), TRACE);
    writeFileSync(join(dir, 'c.csv'), 'timestamp_ns,value\n0,1\n1,2\n');
    writeFileSync(join(dir, 'd.csv'), '');
    const { exitCode, stdout, stderr } = await simulateRun(['--all', dir]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^cannot read trace a\.csv:\n {2}line 3: value is not a number: "x"\ncannot read trace c\.csv:\n {2}the timestamp column "timestamp_ns" names a unit of time that is not read here \("ns"\)[^\n]*\ncannot read trace d\.csv:\n {2}a trace needs at least 2 data rows, found 0\n$/);
  });
});

describe('a trace\'s time is read as written, or refused', () => {
  it('a header naming a unit of time that is not read (nanoseconds, days, the unclear "m") is refused, naming the column and the units read, whatever the column\'s place', () => {
    for (const column of ['timestamp_ns', 'timestamp_days', 'time_m', 'TIMESTAMP_NANOS']) {
      expect(timestampUnitSeconds(column)).toBeUndefined();
      expect(parseProblems(`${column},value\n0,1\n1,2\n`)).toEqual([
        { message: `the timestamp column "${column.toLowerCase()}" names a unit of time that is not read here ("${column.toLowerCase().split('_')[1]}"): the units read, as the name's last word (timestamp_ms, time-ms) or in brackets (time (ms), time [ms]), are s (sec, secs, second, seconds, or no unit), ms (msec, msecs, millis, millisecond, milliseconds), us (µs, usec, usecs, micros, microsecond, microseconds), min (mins, minute, minutes), h (hr, hrs, hour, hours)` },
      ]);
    }
    expect(() => parseTraceCsv('app,end_timestamp_days\na,1\nb,2\n', 'log.csv', { events: true, timeColumn: 'end_timestamp_days' })).toThrow(/the timestamp column "end_timestamp_days" names a unit of time that is not read here/);
  });

  it('every form read before keeps its meaning: no unit, or a word that is not one, is seconds; ms, us, minutes and hours as documented', () => {
    for (const name of ['timestamp', 'time', 'timestamp_seconds', 'ts_s', 'end_timestamp', 'minute_of_day', 'day_of_week', 'time_sec']) expect(timestampUnitSeconds(name)).toBe(1);
    for (const [name, seconds] of [['timestamp_ms', 0.001], ['end_timestamp_ms', 0.001], ['time_us', 0.000001], ['time_minutes', 60], ['t_hours', 3600], ['ms', 0.001]] as const) expect(timestampUnitSeconds(name)).toBe(seconds);
    expect(Array.from(parseTraceCsv('timestamp_days,value\n0,1\n1,2\n', 'bare.csv', { timeColumn: '2', valueColumn: '1' }).times)).toEqual([0, 1]);
  });

  it('a date-time on a day the calendar does not have is refused at its line, with the month\'s days; 29 February of a leap year is read', () => {
    expect(parseProblems('timestamp,value\n2024-02-28T00:00:01Z,1\n2024-02-30T00:00:01Z,2\n2023-02-29 10:00:00,3\n2024-04-31,4\n2024-13-45T00:00:00Z,5\n')).toEqual([
      { line: 3, message: 'timestamp 2024-02-30T00:00:01Z is on a day that does not exist: 2024-02 has 29 days' },
      { line: 4, message: 'timestamp 2023-02-29 10:00:00 is on a day that does not exist: 2023-02 has 28 days' },
      { line: 5, message: 'timestamp 2024-04-31 is on a day that does not exist: 2024-04 has 30 days' },
      { line: 6, message: 'timestamp is not a number or an ISO 8601 date-time: "2024-13-45T00:00:00Z"' },
    ]);
    expect(Array.from(parseTraceCsv('timestamp,value\n2024-02-28T23:59:59Z,1\n2024-02-29T00:00:00+00:00,2\n2024-03-01T00:00:00Z,3\n', 'leap.csv').times)).toEqual([0, 1, 86_401]);
  });
});

describe('the rescaling line', () => {
  const trace = (times: number[]) => ({ name: 't', times: Float64Array.from(times), values: Float64Array.from(times.map((_, i) => i + 1)), stepSeconds: times[1]! - times[0]! });

  it('gives its figures to four significant digits, without float residue', () => {
    expect(replayTrace(trace([0, 1000, 2000]), { maxReplayStepSeconds: 60, peakRps: 560 }).description).toBe('time: 1000 s rows replayed over 60 s (16.67× faster); load: values ×187 → peak 560 rps; 180 simulated seconds');
    // A median step of rows a third of a second apart, as the float subtraction gives it.
    const thirds = { ...trace([0, 0.3, 0.6, 0.9]), stepSeconds: 0.1 + 0.2 };
    expect(thirds.stepSeconds).not.toBe(0.3);
    expect(replayTrace(thirds, { maxReplayStepSeconds: 60, peakRps: 560 }).description).toMatch(/^time: real time \(0\.3 s rows, averaged over each simulated second\)/);
  });

  it('says "1 simulated second", and "seconds" of any other count', () => {
    expect(replayTrace(trace([0, 0.25, 0.5]), { maxReplayStepSeconds: 60, peakRps: 10 }).description).toMatch(/; 1 simulated second$/);
    expect(replayTrace(trace([0, 1]), { maxReplayStepSeconds: 60, peakRps: 10 }).description).toMatch(/; 2 simulated seconds$/);
  });
});
