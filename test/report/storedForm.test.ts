/**
 * Reading a downsampled retention policy, pure: which names its fields are stored under, where the
 * decisions it does not keep are read from, for which part of a range they still exist, and what
 * the notes and the headline then say. The same against a real influxd: historyPolicy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decisionCoverage, summarise, type DownsampledSource, type ServiceHistory } from '../../scaler/report/model.js';
import { downsampleIntervalMs, fieldNamingOf, policyDurationMs, storedFieldName, storedFormOf, type RetentionPolicyRow } from '../../scaler/report/storedForm.js';
import { serviceHistory } from './support/serviceHistory.js';

const DAY = 86_400_000;
const readAt = Date.UTC(2026, 5, 30, 12, 0, 0);
const POLICIES: RetentionPolicyRow[] = [
  { name: 'autogen', duration: '0s', isDefault: false },
  { name: 'raw', duration: '168h0m0s', isDefault: true },
  { name: 'history', duration: '2160h0m0s', isDefault: false },
];
const history: DownsampledSource = { policy: 'history', decisionsPolicy: 'raw', decisionsKeptMs: 7 * DAY, readAt };

/** What a downsampled policy holds of `web`: minute means, 2 replicas 20 days back. */
const downsampledHistory = (overrides: Partial<ServiceHistory> = {}): ServiceHistory => serviceHistory({ bucketSeconds: 60, replicas: [{ t: readAt - 20 * DAY, v: 2 }], ...overrides });

describe('the names a policy stores its fields under', () => {
  it('a policy whose fields are all mean_<field> is downsampled: the continuous query stored mean(*) there', () => {
    expect(fieldNamingOf(['mean_replicas', 'mean_cpu_usage_cores', 'mean_value'])).toBe('downsampled');
  });

  it('a policy with a field under its own name is read as written, as is one with no field at all', () => {
    expect(fieldNamingOf(['replicas', 'cpu_usage_cores'])).toBe('as_written');
    expect(fieldNamingOf(['mean_replicas', 'replicas'])).toBe('as_written');
    expect(fieldNamingOf([])).toBe('as_written');
  });

  it('a field is read as mean_<field> on a downsampled policy, under its own name elsewhere', () => {
    expect(storedFieldName('downsampled', 'cpu_usage_cores')).toBe('mean_cpu_usage_cores');
    expect(storedFieldName('as_written', 'cpu_usage_cores')).toBe('cpu_usage_cores');
  });

  it('a policy duration as InfluxDB shows it is read in ms; 0s (forever) is none', () => {
    expect(policyDurationMs('168h0m0s')).toBe(7 * DAY);
    expect(policyDurationMs('1h30m0s')).toBe(5_400_000);
    expect(policyDurationMs('0s')).toBeUndefined();
    expect(policyDurationMs('INF')).toBeUndefined();
  });
});

describe('the span each point of a downsampled policy is the mean of', () => {
  const ours = 'CREATE CONTINUOUS QUERY downsample_1m ON scalewright BEGIN SELECT mean(*) INTO scalewright.history.:MEASUREMENT FROM scalewright.raw./.*/ GROUP BY time(1m), * END';
  const on = (...queries: string[]) => ({ database: 'scalewright', queries });

  it('is the interval of the continuous query that writes into it, as InfluxDB shows that query', () => {
    expect(downsampleIntervalMs('history', on(ours))).toBe(60_000);
  });

  it('whether the names in its INTO are quoted or not, and with or without the database', () => {
    const quoted = 'CREATE CONTINUOUS QUERY cq ON scalewright BEGIN SELECT mean(*) INTO "scalewright"."long term".:MEASUREMENT FROM "scalewright"."raw"./.*/ GROUP BY time(5m), * END';
    const noDatabase = 'CREATE CONTINUOUS QUERY cq ON scalewright BEGIN SELECT mean(*) INTO history.:MEASUREMENT FROM raw./.*/ GROUP BY *, time(1h) END';
    expect(downsampleIntervalMs('long term', on(quoted))).toBe(300_000);
    expect(downsampleIntervalMs('history', on(noDatabase))).toBe(3_600_000);
  });

  it('is none when no query writes into that policy of that database', () => {
    const elsewhere = ours.replaceAll('scalewright', 'other');
    expect(downsampleIntervalMs('history', on(elsewhere))).toBeUndefined();
    expect(downsampleIntervalMs('weekly', on(ours))).toBeUndefined();
    expect(downsampleIntervalMs('history', on())).toBeUndefined();
  });

  it('is the longest when several write into it', () => {
    expect(downsampleIntervalMs('history', on(ours, ours.replace('time(1m)', 'time(10m)').replace('downsample_1m', 'downsample_10m')))).toBe(600_000);
  });

  it('goes with the stored form, where a continuous query says it', () => {
    expect(storedFormOf('history', ['mean_replicas'], POLICIES, readAt, on(ours)).downsampled?.intervalMs).toBe(60_000);
  });
});

describe('where a downsampled policy\'s decisions are read from', () => {
  it('the database\'s default policy, for as long as it keeps points', () => {
    expect(storedFormOf('history', ['mean_replicas'], POLICIES, readAt)).toEqual({ naming: 'downsampled', downsampled: history });
  });

  it('a policy read as written reads its own decisions: nothing is said of it', () => {
    expect(storedFormOf('raw', ['replicas'], POLICIES, readAt)).toEqual({ naming: 'as_written' });
  });

  it('a downsampled policy that is itself the default has nowhere to read decisions from', () => {
    const onlyHistory = [{ name: 'history', duration: '0s', isDefault: true }];
    expect(storedFormOf('history', ['mean_replicas'], onlyHistory, readAt)).toEqual({ naming: 'downsampled', downsampled: { policy: 'history', readAt } });
  });

  it('a raw policy kept forever covers every range', () => {
    const forever = { ...history, decisionsKeptMs: undefined };
    expect(decisionCoverage(forever, readAt - 400 * DAY, readAt)).toEqual({ kind: 'all' });
  });

  it('a range within the last 7 d is covered whole; one that ended earlier, not at all; one across that time, from it on', () => {
    expect(decisionCoverage(history, readAt - 2 * DAY, readAt)).toEqual({ kind: 'all' });
    expect(decisionCoverage(history, readAt - 20 * DAY, readAt - 10 * DAY)).toEqual({ kind: 'none' });
    expect(decisionCoverage(history, readAt - 20 * DAY, readAt)).toEqual({ kind: 'part', since: readAt - 7 * DAY });
  });
});

describe('what the notes and the headline say on a downsampled policy', () => {
  const since = new Date(readAt - 7 * DAY).toISOString();

  it('the figures are based on its means, and the time above target is not said to be read whole', () => {
    const signal = { name: 'cpu', value: [{ t: readAt - 20 * DAY, v: 0.5 }], target: [{ t: readAt - 20 * DAY, v: 0.6 }], smoothed: [], forecast: [] };
    const { notes } = summarise(downsampledHistory({ downsampled: history, signal, signalPointsAboveTarget: { above: 0, points: 1 } }), readAt - 2 * DAY, readAt);
    expect(notes).toContainEqual(expect.stringMatching(/^Read from the downsampled policy "history": it keeps the mean of every series over each downsampling interval, not the points recorded\. The peak replica count is the highest of those means, and the time above target counts the means above the mean of their target/));
    expect(notes).toContain('Each point is the mean of a 60 s bucket (at most 400 points a chart): shorter peaks are flattened. Narrow the range (--from, --to) for the detail.');
    expect(notes.join(' ')).not.toContain('read whole');
  });

  it('where the continuous query gives the interval, the note names it; a bucket of one interval is no bucket to speak of, one of two is', () => {
    const minutes = { ...history, intervalMs: 60_000 };
    const at = (bucketSeconds: number) => summarise(downsampledHistory({ downsampled: minutes, bucketSeconds }), readAt - 2 * DAY, readAt).notes.join(' ');
    expect(at(60)).toContain('over each downsampling interval (60 s), not the points recorded');
    expect(at(60)).not.toContain('bucket');
    expect(at(120)).toContain('Each point is the mean of a 2 min bucket (at most 400 points a chart): shorter peaks are flattened. Narrow the range (--from, --to) for the detail.');
  });

  it('without a signal, only the peak is said to come from the means', () => {
    const { notes } = summarise(downsampledHistory({ downsampled: history }), readAt - 2 * DAY, readAt);
    expect(notes).toContainEqual(expect.stringMatching(/The peak replica count is the highest of those means: a peak shorter than an interval averages out\. The raw policy \("raw", --retention-policy raw\) has every point/));
  });

  it('a range raw no longer holds: no decisions for it, said in the notes and the headline', () => {
    const summary = summarise(downsampledHistory({ downsampled: history }), readAt - 20 * DAY, readAt - 10 * DAY);
    expect(summary.notes).toContain(`Decisions are kept only in the raw policy "raw" (7 d, since ${since}): none for this range. An empty table and no markers do not mean the scaler did nothing.`);
    expect(summary.headline).toMatch(/^No decisions kept for this range; replicas 2 → 2\.$/);
  });

  it('a range partly older than raw keeps: the decisions cover only the part from then on', () => {
    const summary = summarise(downsampledHistory({ downsampled: history }), readAt - 20 * DAY, readAt);
    expect(summary.notes).toContain(`Decisions are kept only in the raw policy "raw" (7 d, since ${since}): the table, the markers and the counts cover only the range from then on: before then, raw no longer keeps them.`);
    expect(summary.headline).toMatch(/^No scale action;/);
  });

  it('no raw policy to read them from: none for any range', () => {
    const { notes } = summarise(downsampledHistory({ downsampled: { policy: 'history', readAt } }), readAt - 2 * DAY, readAt);
    expect(notes).toContain('The downsampled policy "history" keeps no decisions (their outcome and reason are text), and the database has no raw policy to read them from: none for this range.');
  });

  it('a report read as written says nothing of downsampling or of decisions kept', () => {
    const { notes } = summarise(downsampledHistory(), readAt - 20 * DAY, readAt);
    expect(notes.join(' ')).not.toMatch(/downsampled|Decisions are kept/);
  });
});
