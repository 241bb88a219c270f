/**
 * `scalewright simulate` replays a trace whose header names its unit in brackets in that unit: a
 * `time (ms)` trace of one row a second was read as seconds, one row every 1000 s, and played
 * 1000 times too slow. A header that names a unit not read is refused, exit 2, saying which unit
 * it saw and which are read; one that names none is seconds, as documented.
 *
 * So is a camel-case header (`timestampMs`, lower-cased the one word `timestampms`, was read as
 * seconds), and epoch milliseconds under a header that names no unit (1,700,000,000,000 s is the
 * year 55,000): read as milliseconds, and the rescaling line says so; epoch nanoseconds, and a
 * header that names seconds over epoch milliseconds, are refused, exit 2.
 *
 * A first timestamp after 2100 in the unit it is read in is refused, exit 2, saying what it looks
 * like: dates written as digits (20240510120000) under `timestamp` were read as milliseconds, the
 * year 2611, and replayed with rows 1 ms apart but 41 ms at each minute (…120059, …120100).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateRun } from '../support/simulateRun.js';

/** A trace of four rows 1000 units apart, under this header. */
function traceWithHeader(header: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sim-units-')), 'trace.csv');
  writeFileSync(file, `${header},value\n0,1\n1000,5\n2000,3\n3000,9\n`);
  return file;
}

/** A trace file of this text. */
function traceOf(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sim-units-')), 'trace.csv');
  writeFileSync(file, text);
  return file;
}

/** Four rows a second apart from 2023-11-14T22:13:20Z, in a unit of `secondsPerUnit`, under this header (none: undefined). */
function epochTrace(header: string | undefined, secondsPerUnit: number): string {
  const rows = [0, 1, 2, 3].map((i) => `${(1_700_000_000 + i) / secondsPerUnit},${[1, 5, 3, 9][i]}`);
  return traceOf(`${header === undefined ? '' : `${header}\n`}${rows.join('\n')}\n`);
}

describe('the timestamp column\'s unit, as the header names it', () => {
  it('time (ms), time [ms] and time-ms are rows a second apart, replayed in real time; time alone is seconds', async () => {
    for (const header of ['time (ms)', 'time [ms]', 'timestamp(ms)', 'time-ms', 'time_msec']) {
      const { exitCode, stdout } = await simulateRun(['--trace', traceWithHeader(header), '--policy', 'hpa']);
      expect(exitCode, header).toBe(0);
      expect(stdout, header).toContain('trace.csv: time: real time (1 s rows);');
    }
    expect((await simulateRun(['--trace', traceWithHeader('time'), '--policy', 'hpa'])).stdout).toContain('trace.csv: time: 1000 s rows replayed over 60 s (16.67× faster);');
  });

  it('a unit that is not read is refused, exit 2, before anything is simulated, naming the unit seen and the units read', async () => {
    const { exitCode, stdout, stderr } = await simulateRun(['--trace', traceWithHeader('Time [ns]')]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^cannot read trace trace\.csv:\n {2}the timestamp column "time \[ns\]" names a unit of time that is not read here \("ns"\): the units read, as the name's last word \(timestamp_ms, time-ms\) or in brackets \(time \(ms\), time \[ms\]\), are s \(sec, [^\n]*, ms \([^\n]*\n$/);
    expect((await simulateRun(['--trace', traceWithHeader('time (fortnights)')])).stderr).toContain('names a unit of time that is not read here ("fortnights")');
  });

  it('a camel-case header names its unit (timestampMs, timeMS, requestTimeMillis, tsUs): rows a second apart, in real time, as timestamp_ms', async () => {
    for (const [header, secondsPerUnit] of [['timestampMs', 0.001], ['timeMS', 0.001], ['requestTimeMillis', 0.001], ['tsUs', 0.000001]] as const) {
      const { exitCode, stdout } = await simulateRun(['--trace', epochTrace(`${header},requests`, secondsPerUnit), '--policy', 'hpa']);
      expect(exitCode, header).toBe(0);
      expect(stdout, header).toContain('trace.csv: time: real time (1 s rows); load: values ×62.2 → peak 560 rps; 4 simulated seconds');
    }
  });

  it('names that read before read as before: TIMESTAMP and minute_of_day are seconds, Timestamp (UTC) over date-times is read as date-times', async () => {
    for (const header of ['TIMESTAMP', 'minute_of_day', 'end_timestamp']) {
      expect((await simulateRun(['--trace', traceWithHeader(header), '--policy', 'hpa'])).stdout, header).toContain('trace.csv: time: 1000 s rows replayed over 60 s (16.67× faster);');
    }
    const dates = traceOf('Timestamp (UTC),value\n2024-05-10T00:00:00Z,3\n2024-05-10T00:00:01Z,4\n2024-05-10T00:00:02Z,5\n');
    expect((await simulateRun(['--trace', dates, '--policy', 'hpa'])).stdout).toContain('trace.csv: time: real time (1 s rows);');
  });
});

describe('epoch timestamps too large to be seconds, under a header that names no unit or names seconds', () => {
  it('epoch milliseconds under timestamp,value, or no header, are read as milliseconds, and the rescaling line says so first', async () => {
    const { exitCode, stdout } = await simulateRun(['--trace', epochTrace('timestamp,value', 0.001), '--policy', 'hpa']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('trace.csv: time: timestamps read as milliseconds since the epoch, the first 2023-11-14T22:13:20Z (the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138); real time (1 s rows); load: values ×62.2 → peak 560 rps; 4 simulated seconds');
    const bare = await simulateRun(['--trace', epochTrace(undefined, 0.001), '--policy', 'hpa']);
    expect(bare.stdout).toContain('trace.csv: time: timestamps read as milliseconds since the epoch, the first 2023-11-14T22:13:20Z (the file has no header to name their unit, and as seconds they would be after the year 5138); real time (1 s rows);');
  });

  it('epoch microseconds are read as microseconds, and said so; the note is in the JSON output too', async () => {
    const { exitCode, stdout } = await simulateRun(['--trace', epochTrace('timestamp,value', 0.000001), '--policy', 'hpa', '--json']);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).comparisons[0].rescaling).toMatch(/^time: timestamps read as microseconds since the epoch, the first 2023-11-14T22:13:20Z \(the timestamp column "timestamp" names no unit, and as seconds they would be after the year 5138\); real time \(1 s rows\);/);
  });

  it('epoch nanoseconds are refused, exit 2, before anything is simulated, saying to name the unit', async () => {
    const { exitCode, stdout, stderr } = await simulateRun(['--trace', epochTrace('timestamp,value', 1e-9)]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('cannot read trace trace.csv:\n  the first timestamp, 1700000000000000000, is too large to be seconds, milliseconds or microseconds since the epoch, and the timestamp column "timestamp" names no unit: name their unit in the header (timestamp_ms, timestamp_us); nanoseconds are not read: divide them by 1000 to microseconds (timestamp_us)\n');
  });

  it('a header that names seconds over epoch milliseconds is refused, exit 2, naming the contradiction and the fix', async () => {
    for (const header of ['timestamp_seconds', 'time (s)']) {
      const { exitCode, stdout, stderr } = await simulateRun(['--trace', epochTrace(`${header},value`, 0.001)]);
      expect(exitCode, header).toBe(2);
      expect(stdout, header).toBe('');
      expect(stderr, header).toBe(`cannot read trace trace.csv:\n  the timestamp column "${header}" names seconds, but the first timestamp, 1700000000000, is too large to be seconds since the epoch (after the year 5138): if they are milliseconds (2023-11-14T22:13:20Z), name the column so (timestamp_ms)\n`);
    }
  });
});

describe('timestamps after 2100 in the unit they are read in', () => {
  it('dates written as digits (YYYYMMDDhhmmss) under timestamp,value are refused, exit 2, before anything is simulated, saying to write them as ISO 8601', async () => {
    const compactDates = traceOf('timestamp,value\n20240510120058,1\n20240510120059,5\n20240510120100,3\n20240510120101,9\n');
    const { exitCode, stdout, stderr } = await simulateRun(['--trace', compactDates, '--policy', 'hpa']);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('cannot read trace trace.csv:\n  the first timestamp, 20240510120058, is too large to be seconds since the epoch, and the timestamp column "timestamp" names no unit: it looks like a date written as digits (YYYYMMDDhhmmss); write the timestamps as ISO 8601 date-times (2024-05-10T12:00:58Z)\n');
  });
});

describe('dates of 8 or 10 digits, which can be seconds', () => {
  it('hourly rows written as YYYYMMDDhh across midnight are refused, exit 2, before anything is simulated, whatever the header; written as ISO 8601, the same rows are read', async () => {
    const hours = [20, 21, 22, 23, 0, 1, 2, 3];
    const rows = hours.map((hour, i) => ({ digits: `202405${i < 4 ? '30' : '31'}${String(hour).padStart(2, '0')}`, iso: `2024-05-${i < 4 ? '30' : '31'}T${String(hour).padStart(2, '0')}:00:00Z`, value: 40 + i }));
    for (const header of ['timestamp', 'timestamp_seconds']) {
      const { exitCode, stdout, stderr } = await simulateRun(['--trace', traceOf(`${header},value\n${rows.map((row) => `${row.digits},${row.value}`).join('\n')}\n`), '--policy', 'hpa']);
      expect(exitCode, header).toBe(2);
      expect(stdout, header).toBe('');
      expect(stderr, header).toBe('cannot read trace trace.csv:\n  the timestamps, read as seconds, are 1 s apart, but 77 s from 2024053023 to 2024053100, and 1 hour apart read as dates: they look like dates written as digits (YYYYMMDDhh); write the timestamps as ISO 8601 date-times (2024-05-30T20:00:00Z)\n');
    }
    const iso = await simulateRun(['--trace', traceOf(`timestamp,value\n${rows.map((row) => `${row.iso},${row.value}`).join('\n')}\n`), '--policy', 'hpa']);
    expect(iso.exitCode, iso.stderr).toBe(0);
    expect(iso.stdout).toMatch(/3600 s rows/);
  });
});
