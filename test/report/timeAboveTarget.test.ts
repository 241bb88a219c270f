/**
 * Time above target over a long range, against a real influxd: the charts are bucket means (at most
 * 400 points a chart), which flatten a spell above target shorter than a bucket, so the figure is
 * counted from every raw point of the followed signal instead. A day of one point every 5 s is read
 * in 216 s buckets of 43 points; spells of 30 s above target vanish in those means, yet each is
 * counted to the point, including one above a target that had been lowered by then.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureInfluxSchema, influxConnectionFrom, influxQuery, influxRetentionFrom, readInfluxEnv, type InfluxConnection } from '../../common/influx/index.js';
import { buildReport } from '../../scaler/report/build.js';
import { renderReportHtml } from '../../scaler/report/html.js';
import type { ServiceReport } from '../../scaler/report/model.js';
import { capturingLogger } from '../support/capturingLogger.js';

const influxUrl = inject('influxUrl');
const database = `report_above_${process.pid}_${Date.now()}`;
const DAY = 86_400_000;
const EVERY = 5000;
const POINTS = DAY / EVERY;
/** A whole day, ending at the last minute boundary before the test started. */
const to = Math.floor(Date.now() / 60_000) * 60_000;
const from = to - DAY;
/** The scaler lowered its target from 0.7 to 0.5 half-way through the day. */
const LOWERED_AT = POINTS / 2;
/** Five spells of 6 points (30 s) at 0.95 under the 0.7 target, and one at 0.6 under the lowered 0.5 one (0.6 is not above 0.7). */
const SPELLS = [{ at: 1000, value: 0.95 }, { at: 3001, value: 0.95 }, { at: 5002, value: 0.95 }, { at: 7003, value: 0.95 }, { at: 8004, value: 0.95 }, { at: 12_005, value: 0.6 }];
const SPELL_POINTS = 6;
let connection: InfluxConnection;
let report: ServiceReport;

function valueAt(k: number): number {
  const spell = SPELLS.find((s) => k >= s.at && k < s.at + SPELL_POINTS);
  return spell?.value ?? 0.3;
}

beforeAll(async () => {
  const env = readInfluxEnv({ INFLUX_URL: influxUrl, INFLUX_DB: database, INFLUX_RETENTION: '30d' });
  connection = influxConnectionFrom(env);
  await ensureInfluxSchema(connection, influxRetentionFrom(env), capturingLogger('silent').logger);
  const lines: string[] = [];
  for (let k = 0; k < POINTS; k += 1) {
    const target = k < LOWERED_AT ? 0.7 : 0.5;
    lines.push(`scaler_signal,service=web,signal=cpu value=${valueAt(k)},target=${target},smoothed=${valueAt(k)} ${from + k * EVERY}`);
    lines.push(`service_stats,service=web replicas=2i ${from + k * EVERY}`);
  }
  // An earlier policy followed requests for a few evaluations, all above target: not the signal the report follows.
  for (let k = 0; k < 10; k += 1) lines.push(`scaler_signal,service=web,signal=requests value=50,target=10 ${from + k * EVERY + 1}`);
  for (let i = 0; i < lines.length; i += 5000) {
    const response = await fetch(`${influxUrl}/write?db=${database}&rp=raw&precision=ms`, { method: 'POST', body: lines.slice(i, i + 5000).join('\n') });
    expect(response.status).toBe(204);
  }
  const built = await buildReport(connection, { services: ['web'], from, to });
  report = built.services[0] as ServiceReport;
});

afterAll(async () => {
  await influxQuery(connection, `DROP DATABASE ${database}`, { write: true, database: '', retentionPolicy: '' }).catch(() => undefined);
});

describe('time above target over a day, read in bucket means', () => {
  it('the charts are bucket means, in which no spell reaches even the lowered target', () => {
    // 216 s makes 400 buckets of a day; InfluxDB aligns them to the epoch, so a day not starting on an edge touches 401 of them, and 217 s it is.
    expect([216, 217]).toContain(report.bucketSeconds);
    expect(report.replicas.length).toBeLessThanOrEqual(400);
    expect(report.signal?.name).toBe('cpu');
    expect(Math.max(...(report.signal?.value ?? []).map((p) => p.v))).toBeLessThan(0.5);
  });

  it('every raw point of the followed signal is counted: 36 above their target of 17 280, none of the other signal', () => {
    expect(report.signalPointsAboveTarget).toEqual({ above: SPELLS.length * SPELL_POINTS, points: POINTS });
  });

  it('the time above target is the six 30 s spells, 180 s, and their share of the day', () => {
    expect(report.summary.timeAboveTargetSeconds).toBeCloseTo(SPELLS.length * SPELL_POINTS * 5, 6);
    expect(report.summary.timeAboveTargetFraction).toBeCloseTo((SPELLS.length * SPELL_POINTS) / POINTS, 12);
    // 0.2 %: a share this small is not rounded away to "0%".
    expect(report.summary.headline).toContain('cpu above target 0.2% of the time');
    expect(renderReportHtml({ title: 't', from, to, generatedAt: to, services: [report] })).toContain('<div class="v">180 s</div><div class="k">above target (0.2%)</div>');
  });

  it('the notes say the shading is drawn from the means, and the time above target is read whole', () => {
    const note = report.summary.notes.find((n) => n.startsWith('Each point is the mean'));
    expect(note).toBe('Each point is the mean of a 4 min bucket (at most 400 points a chart): shorter peaks are flattened, the shading above target with them. The peak replica count and the time above target are read whole, from every point recorded. Narrow the range (--from, --to) for the detail.');
  });
});
