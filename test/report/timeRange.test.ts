/**
 * `scalewright report`'s time range, as an operator gives it: `--from`/`--to` are epoch ms or ISO
 * 8601 (UTC when no zone is given), `--last` a duration of more than nothing. Anything else is one
 * line naming the flag (and its variable when it came from the environment), exit 2, before
 * InfluxDB is asked anything: here InfluxDB refuses connections, so a range wrongly taken would end
 * in exit 1 instead.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { parseTime, reportCommand } from '../../scaler/report/command.js';
import { capturingStderr } from '../support/failingDependencies.js';

let out: string;
let refusing: string;
const report = (args: string[]) => capturingStderr(() => reportCommand().exitOverride().parseAsync([...args, '--influx-url', refusing, '--service', 'web', '--out', out], { from: 'user' }));

beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'sw-report-range-'));
  refusing = `http://127.0.0.1:${await freePort()}`;
});
afterEach(async () => {
  delete process.env.REPORT_LAST;
  await rm(out, { recursive: true, force: true });
});

describe('--from and --to take epoch ms or ISO 8601, nothing else', () => {
  it.each([
    ['hello 2020', 'words around a year'],
    ['Dec 3', 'a month and a day without a year'],
    ['12/03/2026', 'a date in a national order'],
    ['2026-02-30', 'a day the month does not have'],
    ['2025-02-29', '29 February of a year that has none'],
    ['2026-12-03T24:00:00Z', 'hour 24'],
    ['2026-12-03T20:00:00+25:00', 'a zone offset past 23 h'],
    ['1e12', 'a number in exponent notation'],
  ])('%s (%s) is refused, naming the flag: exit 2', async (text) => {
    const { exitCode, stderr } = await report(['--from', text, '--to', '2026-12-31T00:00:00Z']);
    expect(exitCode).toBe(2);
    expect(stderr).toBe(`--from: not a time: ${JSON.stringify(text)} (ISO 8601 such as 2026-11-23T18:00:00Z, UTC when no zone is given, or epoch ms)\n`);
  });

  it('a date, a date-time with or without seconds, fraction or zone: a zone-less time is UTC, as the report shows times', () => {
    expect(parseTime('2026-12-03', '--from')).toBe(Date.UTC(2026, 11, 3));
    expect(parseTime('2026-12-03T20:15', '--from')).toBe(Date.UTC(2026, 11, 3, 20, 15));
    expect(parseTime('2026-12-03 20:15:30.25', '--from')).toBe(Date.UTC(2026, 11, 3, 20, 15, 30, 250));
    expect(parseTime('2026-12-03T20:15:30Z', '--from')).toBe(Date.UTC(2026, 11, 3, 20, 15, 30));
    expect(parseTime('2026-12-03T21:15:30+01:00', '--from')).toBe(Date.UTC(2026, 11, 3, 20, 15, 30));
    expect(parseTime('2026-12-03T15:15:30-0500', '--from')).toBe(Date.UTC(2026, 11, 3, 20, 15, 30));
    expect(parseTime('2024-02-29', '--from')).toBe(Date.UTC(2024, 1, 29));
  });

  it('epoch ms, also before 1970 (a leading minus), within the times InfluxDB holds', () => {
    expect(parseTime('1796328000000', '--from')).toBe(1796328000000);
    expect(parseTime('-5', '--from')).toBe(-5);
    expect(() => parseTime('99999999999999', '--to')).toThrow(/--to: 99999999999999 is outside the times InfluxDB holds/);
  });

  it('a --from after --to says both times', async () => {
    const { exitCode, stderr } = await report(['--from', '2026-12-03T20:00:00Z', '--to', '2026-12-03T19:00:00Z']);
    expect(exitCode).toBe(2);
    expect(stderr).toBe('--from must be before --to: 2026-12-03T20:00:00.000Z is not before 2026-12-03T19:00:00.000Z\n');
  });
});

describe('--last', () => {
  it('0s is refused as --last, the flag given, not as a --from that was never given', async () => {
    const { exitCode, stderr } = await report(['--last', '0s']);
    expect(exitCode).toBe(2);
    expect(stderr).toBe('--last: the range must last more than 0 s, got "0s"\n');
  });

  it('a bad value from REPORT_LAST names the variable', async () => {
    process.env.REPORT_LAST = 'banana';
    const { exitCode, stderr } = await report([]);
    expect(exitCode).toBe(2);
    expect(stderr).toBe('--last (REPORT_LAST): a duration such as 90s, 30m, 2h or 1d, got "banana"\n');
  });
});

describe('flags that set InfluxDB variables', () => {
  it('a bad --influx-url is named as the flag, with its variable', async () => {
    const { exitCode, stderr } = await capturingStderr(() => reportCommand().exitOverride().parseAsync(['--influx-url', 'not a url', '--out', out], { from: 'user' }));
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^invalid configuration: --influx-url \(INFLUX_URL\): /);
  });
});
