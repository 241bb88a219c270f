/**
 * `scalewright report --retention-policy history` against a real influxd. The downsampling continuous
 * query stores `mean(*)` of every numeric field, which InfluxQL names `mean_<field>`, and keeps no
 * string field at all: no decision's outcome, resource or reason. The report reads the history
 * policy's fields under those stored names (asking InfluxDB which form the policy holds), reads the
 * decisions from the raw policy, and its notes say what the figures are based on and for which part
 * of the range decisions were not kept.
 *
 * 400 minutes of raw points of one service are backfilled into history with the continuous query's
 * own statement (`downsampleSelect` with a time range); a report over those 400 minutes has 60 s
 * buckets, so each charted point is one stored minute mean.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { downsampleSelect, ensureInfluxSchema, influxConnectionFrom, influxQuery, influxRetentionFrom, readInfluxEnv, type InfluxConnection } from '../../common/influx/index.js';
import { buildReport } from '../../scaler/report/build.js';
import { renderReportHtml } from '../../scaler/report/html.js';
import type { Point, ServiceReport } from '../../scaler/report/model.js';
import { capturingLogger } from '../support/capturingLogger.js';

const influxUrl = inject('influxUrl');
const database = `report_history_${process.pid}_${Date.now()}`;
const MINUTE = 60_000;
const DAY = 86_400_000;
const MINUTES = 400;
/** Ends well before now: the continuous query, which the test influxd runs every second, only touches the last interval. */
const to = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
const from = to - MINUTES * MINUTE;
/** Ten days ago: older than the raw policy keeps (7 d), so only history holds it. */
const oldTo = to - 10 * DAY;
const oldFrom = oldTo - MINUTES * MINUTE;
let connection: InfluxConnection;
let history: ServiceReport;
let raw: ServiceReport;
let old: ServiceReport;
/** The first hour of the 400 minutes, from history: short enough for 9 s buckets, were they not kept to the stored minute. */
let hour: ServiceReport;

/** Six collector points a minute; one short spike to 9 replicas in minute 100, which a minute mean flattens. */
function replicasAt(minute: number, sample: number): number {
  if (minute === 100 && sample === 2) return 9;
  return 2 + (minute % 3) + (sample >= 3 ? 1 : 0);
}

/** Four scaler evaluations a minute against a target of 0.6: every one above in each 20th minute, one of four in others (a mean below target). */
function signalAt(minute: number, sample: number): number {
  if (minute % 20 === 0) return 0.9;
  if (minute % 10 === 5 && sample === 0) return 0.9;
  return 0.4;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const SAMPLES = [0, 1, 2, 3, 4, 5];
const EVALUATIONS = [0, 1, 2, 3];

async function write(policy: string, lines: readonly string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 5000) {
    const response = await fetch(`${influxUrl}/write?db=${database}&rp=${policy}&precision=ms`, { method: 'POST', body: lines.slice(i, i + 5000).join('\n') });
    expect(response.status).toBe(204);
  }
}

function rawLines(): string[] {
  const lines: string[] = [];
  for (let m = 0; m < MINUTES; m += 1) {
    for (const s of SAMPLES) {
      const t = from + m * MINUTE + s * 10_000;
      const n = replicasAt(m, s);
      lines.push(`service_stats,service=web replicas=${n}i,replicas_read=${n}i,replicas_with_cpu_usage=${n}i,cpu_usage_cores=${0.1 * n + 0.01 * s},cpu_limit_cores=${0.5 * n},memory_working_set_bytes=${n * 5e7},memory_limit_bytes=${n * 1e8},requests_per_second=${10 + s + (m % 5)},latency_p95_seconds=${0.05 + 0.01 * s} ${t}`);
      for (const replica of [1, 2]) {
        lines.push(`container_stats,service=web,container=web-${replica},replica=${replica} cpu_usage_cores=${0.05 * replica + 0.01 * s},cpu_limit_cores=0.5,memory_working_set_bytes=${5e7 + s * 1e6},memory_limit_bytes=1e8 ${t}`);
      }
    }
    for (const e of EVALUATIONS) {
      const value = signalAt(m, e);
      lines.push(`scaler_signal,service=web,signal=cpu value=${value},target=0.6,smoothed=${value} ${from + m * MINUTE + e * 15_000 + 1}`);
    }
  }
  // Three decisions, strings and all: what history cannot keep.
  const decision = (minute: number, action: string, before: number, after: number, outcome: string, reason: string) =>
    `scaler_decision,service=web,action=${action} replicas_before=${before}i,replicas_after=${after}i,dry_run=false,outcome="${outcome}",resource="replicas",reason="${reason}" ${from + minute * MINUTE + 5000}`;
  lines.push(decision(20, 'scale_out', 2, 4, 'applied', 'cpu 0.90 above target 0.60'), decision(150, 'scale_in', 4, 3, 'applied', 'cpu 0.40 below target 0.60'), decision(300, 'scale_out', 3, 4, 'failed', 'cpu 0.90 above target 0.60'));
  return lines;
}

/** What the continuous query stored ten days ago, written straight into history: raw no longer holds that time. */
function oldHistoryLines(): string[] {
  const lines: string[] = [];
  for (let m = 0; m < MINUTES; m += 1) {
    lines.push(`service_stats,service=old mean_replicas=${2 + (m % 2)},mean_replicas_read=${2 + (m % 2)},mean_cpu_usage_cores=0.3,mean_cpu_limit_cores=1 ${oldFrom + m * MINUTE}`);
    lines.push(`scaler_signal,service=old,signal=cpu mean_value=0.5,mean_target=0.6 ${oldFrom + m * MINUTE}`);
  }
  return lines;
}

beforeAll(async () => {
  const env = readInfluxEnv({ INFLUX_URL: influxUrl, INFLUX_DB: database });
  connection = influxConnectionFrom(env);
  const retention = influxRetentionFrom(env);
  await ensureInfluxSchema(connection, retention, capturingLogger('silent').logger);
  await write('raw', rawLines());
  await write('history', oldHistoryLines());
  // The backfill the doc comment of downsampleSelect describes: the continuous query's statement with a time range.
  await influxQuery(connection, downsampleSelect(connection, retention, `time >= ${from}ms AND time < ${to}ms`), { write: true });
  const onHistory = { ...connection, retentionPolicy: retention.historyPolicy };
  history = (await buildReport(onHistory, { services: ['web'], from, to: to - 1 })).services[0] as ServiceReport;
  raw = (await buildReport(connection, { services: ['web'], from, to: to - 1 })).services[0] as ServiceReport;
  old = (await buildReport(onHistory, { services: ['old'], from: oldFrom, to: oldTo - 1 })).services[0] as ServiceReport;
  hour = (await buildReport(onHistory, { services: ['web'], from, to: from + 60 * MINUTE - 1 })).services[0] as ServiceReport;
});

afterAll(async () => {
  await influxQuery(connection, `DROP DATABASE ${database}`, { write: true, database: '', retentionPolicy: '' }).catch(() => undefined);
});

const times = (points: readonly Point[]) => points.map((p) => p.t);
const values = (points: readonly Point[]) => points.map((p) => p.v);

describe('the history policy is read under the names it stores (mean_<field>)', () => {
  it('a 400 min range is read in 60 s buckets: one stored minute mean a point', () => {
    expect(history.bucketSeconds).toBe(60);
    expect(times(history.replicas)).toEqual(Array.from({ length: MINUTES }, (_, m) => from + m * MINUTE));
  });

  it('an hour is read in 60 s buckets too, the continuous query\'s interval: a bucket never holds less than a stored mean', () => {
    expect(hour.bucketSeconds).toBe(60);
    expect(times(hour.replicas)).toEqual(Array.from({ length: 60 }, (_, m) => from + m * MINUTE));
    // Each point is one stored mean, as the note on the policy says: no bucket to speak of, and no narrower range to ask for.
    expect(hour.summary.notes.join(' ')).not.toContain('bucket');
  });

  it('the replicas are the means of each minute of raw points', () => {
    const expected = Array.from({ length: MINUTES }, (_, m) => mean(SAMPLES.map((s) => replicasAt(m, s))));
    expect(history.replicas).toHaveLength(MINUTES);
    values(history.replicas).forEach((v, m) => expect(v).toBeCloseTo(expected[m] as number, 9));
  });

  it('every chart equals the raw report read in the same 60 s buckets', () => {
    const charts = ['replicas', 'cpuLimitPerReplicaCores', 'cpuUsedPerReplicaCores', 'memoryLimitPerReplicaBytes', 'memoryUsedPerReplicaBytes', 'requestsPerSecond', 'latencyP95Seconds'] as const;
    for (const chart of charts) {
      expect(history[chart], chart).toHaveLength(MINUTES);
      expect(times(history[chart]), chart).toEqual(times(raw[chart]));
      values(history[chart]).forEach((v, i) => expect(v, `${chart} ${i}`).toBeCloseTo(raw[chart][i]?.v as number, 6));
    }
  });

  it('the followed signal and its target are charted from their stored means', () => {
    expect(history.signal?.name).toBe('cpu');
    const expected = Array.from({ length: MINUTES }, (_, m) => mean(EVALUATIONS.map((e) => signalAt(m, e))));
    expect(history.signal?.value).toHaveLength(MINUTES);
    values(history.signal?.value ?? []).forEach((v, m) => expect(v).toBeCloseTo(expected[m] as number, 9));
    expect(new Set(values(history.signal?.target ?? []))).toEqual(new Set([0.6]));
  });

  it('the time above target counts the stored means above their target: the 20 minutes wholly above, of 400', () => {
    expect(history.signalPointsAboveTarget).toEqual({ above: 20, points: MINUTES });
    expect(history.summary.timeAboveTargetFraction).toBeCloseTo(20 / MINUTES, 12);
    // Raw counts, besides, the one evaluation above in each of the 40 minutes whose mean is below target.
    expect(raw.signalPointsAboveTarget).toEqual({ above: 20 * 4 + 40, points: MINUTES * 4 });
  });

  it('the peak replica count is the highest minute mean: the one-sample spike to 9 is flattened', () => {
    expect(raw.summary.replicasPeak).toBe(9);
    expect(history.summary.replicasPeak).toBeCloseTo(Math.max(...Array.from({ length: MINUTES }, (_, m) => mean(SAMPLES.map((s) => replicasAt(m, s))))), 9);
  });

  it('the notes say the figures are based on the stored means, not on every point recorded', () => {
    expect(history.summary.notes).toContain(
      'Read from the downsampled policy "history": it keeps the mean of every series over each downsampling interval (60 s), not the points recorded. ' +
        'The peak replica count is the highest of those means, and the time above target counts the means above the mean of their target: ' +
        'a peak or a spell above target shorter than an interval averages out. The raw policy ("raw", --retention-policy raw) has every point, for as long as it keeps them.',
    );
    expect(history.summary.notes.join(' ')).not.toContain('read whole');
    expect(history.summary.notes.join(' ')).not.toContain('Narrow the range');
    expect(raw.summary.notes.join(' ')).not.toContain('downsampled');
  });
});

describe('decisions, which history does not keep, are read from the raw policy', () => {
  it('are listed with their outcome and reason, and counted', () => {
    expect(history.decisions.map((d) => [d.time, d.action, d.outcome, d.change, d.reason])).toEqual([
      [from + 20 * MINUTE + 5000, 'scale_out', 'applied', 'replicas 2 → 4', 'cpu 0.90 above target 0.60'],
      [from + 150 * MINUTE + 5000, 'scale_in', 'applied', 'replicas 4 → 3', 'cpu 0.40 below target 0.60'],
      [from + 300 * MINUTE + 5000, 'scale_out', 'failed', 'replicas 3 → 4', 'cpu 0.90 above target 0.60'],
    ]);
    expect(history.summary.actionsByKind).toEqual({ scale_out: 1, scale_in: 1 });
    expect(history.summary.failedActions).toBe(1);
    expect(history.summary.headline).toMatch(/^2 actions \(1 scale-out, 1 scale-in\);.* Why, at .*: replicas 2 → 4 because cpu 0\.90 above target 0\.60\.$/);
  });

  it('a range raw still holds whole needs no word about decisions', () => {
    expect(history.summary.notes.join(' ')).not.toMatch(/Decisions are kept only/);
  });

  it('a range older than raw keeps (7 d) is charted from history, and the notes and headline say its decisions are gone', () => {
    expect(old.replicas).toHaveLength(MINUTES);
    expect(old.signal?.value).toHaveLength(MINUTES);
    expect(old.decisions).toEqual([]);
    expect(old.summary.notes).toContainEqual(
      expect.stringMatching(/^Decisions are kept only in the raw policy "raw" \(7 d, since \S+Z\): none for this range\. An empty table and no markers do not mean the scaler did nothing\.$/),
    );
    expect(old.summary.headline).toMatch(/^No decisions kept for this range;/);
    const html = renderReportHtml({ title: 't', from: oldFrom, to: oldTo - 1, generatedAt: to, services: [old] });
    expect(html).toContain('No decision kept for this range (see the notes above).');
    expect(html).not.toContain('No decision recorded in this range.');
  });
});
