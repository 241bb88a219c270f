/**
 * The report's time axis is labelled at round instants of UTC, the zone the report shows times in:
 * the step is the shortest round one (1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1 min, 2, 5, 10, 15, 30 min,
 * 1 h, 2, 3, 6, 12 h, 1 d, 2 d, a week, …) that gives at most the ticks asked for, and every tick
 * is a multiple of it. Labels carry seconds only when the step is under a minute, and the date when
 * the ticks fall on more than one day.
 */
import { describe, expect, it } from 'vitest';
import { lineChart } from '../../scaler/report/svg.js';
import { timeTicks } from '../../scaler/report/timeTicks.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const labels = (from: string, to: string, maxTicks = 8) => timeTicks(utc(from), utc(to), maxTicks).map((tick) => tick.label);

describe('a range of 90 s', () => {
  it('is labelled every 15 s, seconds shown', () => {
    expect(labels('2026-01-01T13:07:23', '2026-01-01T13:08:53')).toEqual(['13:07:30', '13:07:45', '13:08:00', '13:08:15', '13:08:30', '13:08:45']);
  });
});

describe('a range of 10 min', () => {
  it('is labelled every 2 min, on even minutes, without seconds', () => {
    expect(labels('2026-01-01T13:07:23', '2026-01-01T13:17:23')).toEqual(['13:08', '13:10', '13:12', '13:14', '13:16']);
  });
});

describe('a range of 7 h', () => {
  it('is labelled on the hour', () => {
    expect(labels('2026-01-01T13:07:23', '2026-01-01T20:07:23')).toEqual(['14:00', '15:00', '16:00', '17:00', '18:00', '19:00', '20:00']);
  });

  it('that crosses midnight says the date on every label', () => {
    expect(labels('2026-01-01T20:30:00', '2026-01-02T03:30:00')).toEqual(['01-01 21:00', '01-01 22:00', '01-01 23:00', '01-02 00:00', '01-02 01:00', '01-02 02:00', '01-02 03:00']);
  });
});

describe('a range of 3 d', () => {
  it('is labelled at midnight and noon, with the date', () => {
    expect(labels('2026-01-01T13:07:23', '2026-01-04T13:07:23')).toEqual(['01-02 00:00', '01-02 12:00', '01-03 00:00', '01-03 12:00', '01-04 00:00', '01-04 12:00']);
  });
});

describe('longer ranges', () => {
  it('a quarter is labelled every other Monday, by date', () => {
    const ticks = timeTicks(utc('2026-01-01T13:07:23'), utc('2026-04-01T13:07:23'), 8);
    expect(ticks.map((tick) => tick.label)).toEqual(['2026-01-05', '2026-01-19', '2026-02-02', '2026-02-16', '2026-03-02', '2026-03-16', '2026-03-30']);
    expect(ticks.every((tick) => new Date(tick.at).getUTCDay() === 1)).toBe(true);
  });

  it('two years are labelled at the start of every quarter, by month', () => {
    expect(labels('2026-01-01T13:07:23', '2028-01-18T13:07:23')).toEqual(['2026-04', '2026-07', '2026-10', '2027-01', '2027-04', '2027-07', '2027-10', '2028-01']);
  });

  it('all the times InfluxDB holds are labelled by century', () => {
    expect(labels('1677-09-22T00:00:00', '2262-04-10T00:00:00')).toEqual(['1700', '1800', '1900', '2000', '2100', '2200']);
  });
});

describe('any range', () => {
  it('one not aligned to anything still gets ticks at round instants only', () => {
    const from = utc('2026-03-07T05:43:17.389');
    const ticks = timeTicks(from, from + 4_321_987, 8);
    // 05:43:17.389 to 06:55:19.376
    expect(ticks.map((tick) => tick.label)).toEqual(['05:50', '06:00', '06:10', '06:20', '06:30', '06:40', '06:50']);
    expect(ticks.every((tick) => tick.at % 600_000 === 0)).toBe(true);
  });

  it('a zero-length range has one tick, at its only instant', () => {
    const at = utc('2026-01-01T13:07:23');
    expect(timeTicks(at, at, 8)).toEqual([{ at, label: '13:07:23' }]);
  });

  it('a reversed range has none', () => {
    expect(timeTicks(utc('2026-01-01T13:00:00'), utc('2026-01-01T12:00:00'), 8)).toEqual([]);
  });

  it('a range under a second is labelled in tenths', () => {
    expect(labels('2026-01-01T13:07:23.100', '2026-01-01T13:07:23.500')).toEqual(['13:07:23.1', '13:07:23.2', '13:07:23.3', '13:07:23.4', '13:07:23.5']);
  });

  it('ticks are always inside the range, in order, distinct, at most as many as asked, and at least two over any range longer than a second', () => {
    // A fixed pseudo-random walk over spans from a second to two centuries, so that a failure can be replayed.
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i += 1) {
      const from = Math.round(utc('1900-01-01T00:00:00') + random() * 200 * 365 * 86_400_000);
      const to = from + Math.round(1000 * 10 ** (random() * 9.8));
      // Round steps are up to 3.5× apart (2 d, then a week): asked for fewer than 7, one range in many gets a single tick.
      const maxTicks = 7 + Math.floor(random() * 4);
      const ticks = timeTicks(from, to, maxTicks);
      const where = `${new Date(from).toISOString()} to ${new Date(to).toISOString()}, at most ${maxTicks}`;
      expect(ticks.length, where).toBeLessThanOrEqual(maxTicks);
      expect(ticks.length, where).toBeGreaterThanOrEqual(2);
      expect(ticks.every((tick) => tick.at >= from && tick.at <= to), where).toBe(true);
      expect(ticks.every((tick, index) => index === 0 || tick.at > (ticks[index - 1]?.at ?? -Infinity)), where).toBe(true);
      expect(new Set(ticks.map((tick) => tick.label)).size, where).toBe(ticks.length);
    }
  });
});

describe('the report chart', () => {
  it('labels its time axis with these ticks, where they fall', () => {
    const from = utc('2026-01-01T13:07:23');
    const to = from + 3_600_000;
    const svg = lineChart({ title: 'Replicas', format: String, series: [{ name: 'replicas', color: '#059669', points: [{ t: from, v: 1 }, { t: to, v: 2 }], step: true }], from, to, decisions: [], decisionNumber: () => 0, maxGapMs: 60_000 });
    const axis = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" class="axis" text-anchor="(?:start|middle|end)">([^<]*)<\/text>/g)].filter((m) => /:/.test(m[2] as string));
    expect(axis.map((m) => m[2])).toEqual(['13:10', '13:20', '13:30', '13:40', '13:50', '14:00']);
    // 78 px of margin, then 1004 px for the hour: 13:10 is 157 s in.
    expect(Number(axis[0]?.[1])).toBeCloseTo(78 + (157 / 3600) * 1004, 0);
  });
});
