import { ContainerStatsField as C, influxQuery, Measurement, perReplica, quoteIdentifier, quoteString, seriesRows, ServiceStatsField as F, ScalerSignalField as S, Tag, type InfluxConnection, type SummedField } from '../../common/influx/index.js';
import { DATA_PROBLEMS, MAX_POINTS_A_CHART, type DecisionCounts, type DecisionMark, type Point, type ServiceHistory } from './model.js';
import { coresChangeText } from '../coresChangeText.js';
import { AS_WRITTEN, storedFieldName, storedFormOf, type StoredForm } from './storedForm.js';

/**
 * The decisions a report lists and marks, at most: the newest of the range, what an operator asks
 * a report about first. A flapping scaler
 * over a long range recorded tens of thousands (a 91-day range here: 12 960, a 24 MB page of
 * 65 000 markers, 330 MB of RSS); the counts in the summary still cover all of them.
 */
export const MAX_DECISIONS_SHOWN = 500;

/**
 * The bucket a range's series are averaged in, so that a long range stays at most `maxPoints` a
 * chart: the shortest whole number of seconds, and of `storedEverySeconds`, that does it.
 */
export function bucketSecondsFor(from: number, to: number, maxPoints = MAX_POINTS_A_CHART, storedEverySeconds = 1): number {
  // On a downsampled policy a bucket shorter than its interval holds one stored mean or none, and
  // the notes would call it the mean of a span it is not; one not a whole number of intervals averages them unevenly.
  const step = Math.max(1, Math.ceil(storedEverySeconds));
  let bucket = Math.max(step, Math.ceil((to - from) / 1000 / maxPoints / step) * step);
  // InfluxDB aligns GROUP BY time to the epoch, not to `from`: a range not starting on a bucket's edge touches one bucket more than its length holds.
  while (bucketsTouched(from, to, bucket) > maxPoints) bucket += step;
  return bucket;
}

function bucketsTouched(from: number, to: number, bucketSeconds: number): number {
  const bucketMs = bucketSeconds * 1000;
  return Math.floor(to / bucketMs) - Math.floor(from / bucketMs) + 1;
}

/**
 * Which form the connection's retention policy holds the charted measurements in (one request,
 * once a report): their field keys on that policy, and the database's policies, for where the
 * decisions are when the policy is a downsampled one.
 */
export async function readStoredForm(connection: InfluxConnection, readAt: number): Promise<StoredForm> {
  const policy = quoteIdentifier(connection.retentionPolicy);
  const measurements = [Measurement.serviceStats, Measurement.containerStats, Measurement.scalerSignal].map((name) => `${policy}.${quoteIdentifier(name)}`);
  const [fieldKeys, policies, continuousQueries] = await influxQuery(
    connection,
    `SHOW FIELD KEYS FROM ${measurements.join(', ')}; SHOW RETENTION POLICIES ON ${quoteIdentifier(connection.database)}; SHOW CONTINUOUS QUERIES`,
  );
  const onThisDatabase = (continuousQueries?.series ?? []).filter((series) => series.name === connection.database);
  return storedFormOf(
    connection.retentionPolicy,
    seriesRows(fieldKeys?.series ?? []).map((row) => String(row.fieldKey)),
    seriesRows(policies?.series ?? []).map((row) => ({ name: String(row.name), duration: String(row.duration), isDefault: row.default === true })),
    readAt,
    { database: connection.database, queries: seriesRows(onThisDatabase).map((row) => String(row.query)) },
  );
}

/**
 * Reads one service's history for [from, to] from InfluxDB: `service_stats` and `container_stats`
 * (what the collector saw), `scaler_signal` (what the scaler followed) and `scaler_decision` (what it did and why).
 */
export async function readServiceHistory(connection: InfluxConnection, service: string, from: number, to: number, stored: StoredForm = AS_WRITTEN): Promise<ServiceHistory> {
  const bucket = bucketSecondsFor(from, to, MAX_POINTS_A_CHART, (stored.downsampled?.intervalMs ?? 1000) / 1000);
  const where = `${quoteIdentifier(Tag.service)} = ${quoteString(service)} AND time >= ${from}ms AND time <= ${to}ms`;
  // Fields are read under their stored names and answered under their own, so what follows reads either form alike.
  const field = (name: string) => quoteIdentifier(storedFieldName(stored.naming, name));
  const mean = (name: string) => `mean(${field(name)}) AS ${quoteIdentifier(name)}`;
  const statsFields = [F.replicas, F.replicasRead, F.replicasWithCpuUsage, F.cpuUsageCores, F.cpuLimitCores, F.memoryWorkingSetBytes, F.memoryLimitBytes, F.requestsPerSecond, F.latencyP95Seconds];
  // Per-replica limits and use come from the containers' own rows: the highest limit and the mean
  // use across the replicas in each bucket (a service-level sum divided by a replica count would
  // wobble while a replica comes or goes).
  const perContainer = [`max(${field(C.cpuLimitCores)}) AS cpu_limit`, `mean(${field(C.cpuUsageCores)}) AS cpu_used`, `max(${field(C.memoryLimitBytes)}) AS memory_limit`, `mean(${field(C.memoryWorkingSetBytes)}) AS memory_used`];
  // A downsampled policy keeps no decision's outcome or reason (text): they are read, as written, where the scaler wrote them.
  const decisionsPolicy = stored.downsampled?.decisionsPolicy;
  const decisionsFrom = `${decisionsPolicy ? `${quoteIdentifier(decisionsPolicy)}.` : ''}${quoteIdentifier(Measurement.scalerDecision)}`;
  const outcome = quoteIdentifier('outcome');
  const countOf = (condition: string) => `SELECT count(${outcome}) FROM ${decisionsFrom} WHERE ${where} AND ${condition} GROUP BY ${quoteIdentifier(Tag.action)}`;
  const signalsFrom = quoteIdentifier(Measurement.scalerSignal);
  // Compared point by point (InfluxQL compares two fields of one point), so a target that changed
  // during the range is met by the value recorded with it. A point without one or the other is in neither count.
  // On a downsampled policy these are its stored means, one an interval (the notes say so).
  const signalPointsCount = (comparison: '>' | '<=') => `SELECT count(${field(S.value)}) FROM ${signalsFrom} WHERE ${where} AND ${field(S.value)} ${comparison} ${field(S.target)} GROUP BY ${quoteIdentifier(Tag.signal)}`;
  const [stats, signals, decisions, containers, peak, applied, dryRun, failed, dataProblems, all, signalAbove, signalNotAbove] = await influxQuery(
    connection,
    [
      `SELECT ${statsFields.map(mean).join(', ')} FROM ${quoteIdentifier(Measurement.serviceStats)} WHERE ${where} GROUP BY time(${bucket}s) fill(none)`,
      `SELECT ${[S.value, S.target, S.smoothed, S.forecast].map(mean).join(', ')} FROM ${signalsFrom} WHERE ${where} GROUP BY time(${bucket}s), ${quoteIdentifier(Tag.signal)} fill(none)`,
      `SELECT * FROM ${decisionsFrom} WHERE ${where} ORDER BY time DESC LIMIT ${MAX_DECISIONS_SHOWN}`,
      `SELECT ${perContainer.join(', ')} FROM ${quoteIdentifier(Measurement.containerStats)} WHERE ${where} GROUP BY time(${bucket}s) fill(none)`,
      // The bucket means flatten a short peak; the peak is read whole.
      `SELECT max(${field(F.replicas)}) FROM ${quoteIdentifier(Measurement.serviceStats)} WHERE ${where}`,
      countOf(`${outcome} = 'applied'`),
      countOf(`${outcome} = 'dry_run'`),
      countOf(`${outcome} = 'failed'`),
      countOf(`(${[...DATA_PROBLEMS].map((problem) => `${outcome} = ${quoteString(problem)}`).join(' OR ')})`),
      `SELECT count(${outcome}) FROM ${decisionsFrom} WHERE ${where}`,
      // The bucket means hide a spell above target shorter than a bucket; every raw point is counted instead.
      signalPointsCount('>'),
      signalPointsCount('<='),
    ].join('; '),
  );
  const byAction = (result: typeof applied): Record<string, number> =>
    Object.fromEntries((result?.series ?? []).map((one) => [one.tags[Tag.action] ?? 'hold', Number(one.values[0]?.[1] ?? 0)]));
  const decisionCounts: DecisionCounts = { applied: byAction(applied), dryRun: byAction(dryRun), failed: byAction(failed), dataProblems: Object.values(byAction(dataProblems)).reduce((a, b) => a + b, 0) };
  const peakValue = seriesRows(peak?.series ?? [])[0]?.max;
  const allCount = seriesRows(all?.series ?? [])[0]?.count;
  const statRows = seriesRows(stats?.series ?? []);
  const series = (pick: (row: Record<string, unknown>) => number | undefined): Point[] =>
    statRows.flatMap((row) => {
      const v = pick(row);
      return v === undefined || !Number.isFinite(v) ? [] : [{ t: Number(row.time), v }];
    });
  const containerRows = seriesRows(containers?.series ?? []);
  const fromContainers = (field: string): Point[] =>
    containerRows.flatMap((row) => (typeof row[field] === 'number' ? [{ t: Number(row.time), v: row[field] as number }] : []));
  const num = (row: Record<string, unknown>, field: string) => (typeof row[field] === 'number' ? (row[field] as number) : undefined);
  const eachReplica = (field: SummedField) => (row: Record<string, unknown>) => perReplica((name) => num(row, name), field);

  // The signal the scaler followed most in this range (one service follows one signal at a time).
  const signalSeries = signals?.series ?? [];
  const main = [...signalSeries].sort((a, b) => b.values.length - a.values.length)[0];
  const signalRows = main ? seriesRows([main]) : [];
  const signalOf = (field: string): Point[] =>
    signalRows.flatMap((row) => (typeof row[field] === 'number' ? [{ t: Number(row.time), v: row[field] as number }] : []));
  const countFor = (result: typeof signalAbove): number => {
    const value = result?.series.find((one) => one.tags[Tag.signal] === main?.tags[Tag.signal])?.values[0]?.[1];
    return typeof value === 'number' ? value : 0;
  };
  const above = countFor(signalAbove);

  return {
    service,
    bucketSeconds: bucket,
    replicas: series((row) => num(row, F.replicas)),
    cpuLimitPerReplicaCores: containerRows.length ? fromContainers('cpu_limit') : series(eachReplica(F.cpuLimitCores)),
    cpuUsedPerReplicaCores: containerRows.length ? fromContainers('cpu_used') : series(eachReplica(F.cpuUsageCores)),
    memoryLimitPerReplicaBytes: containerRows.length ? fromContainers('memory_limit') : series(eachReplica(F.memoryLimitBytes)),
    memoryUsedPerReplicaBytes: containerRows.length ? fromContainers('memory_used') : series(eachReplica(F.memoryWorkingSetBytes)),
    requestsPerSecond: series((row) => num(row, F.requestsPerSecond)),
    latencyP95Seconds: series((row) => num(row, F.latencyP95Seconds)),
    signal: main ? { name: main.tags[Tag.signal] ?? 'signal', value: signalOf(S.value), target: signalOf(S.target), smoothed: signalOf(S.smoothed), forecast: signalOf(S.forecast) } : undefined,
    ...(main ? { signalPointsAboveTarget: { above, points: above + countFor(signalNotAbove) } } : {}),
    // Without a policy that keeps them, the downsampled policy's own scaler_decision holds only means of their numbers: no decision to list.
    decisions: stored.downsampled && !decisionsPolicy ? [] : seriesRows(decisions?.series ?? []).map(decisionMark).sort((a, b) => a.time - b.time),
    decisionCounts,
    decisionsInRange: typeof allCount === 'number' ? allCount : 0,
    ...(typeof peakValue === 'number' ? { replicasPeak: peakValue } : {}),
    ...(stored.downsampled ? { downsampled: stored.downsampled } : {}),
  };
}

function decisionMark(row: Record<string, unknown>): DecisionMark {
  const n = (field: string) => (typeof row[field] === 'number' ? (row[field] as number) : undefined);
  const resource = String(row.resource ?? 'replicas');
  let change: string;
  if (resource === 'cpu') change = `CPU ${coresChangeText(n('cpu_limit_cores_before'), n('cpu_limit_cores_after')).join(' → ')} cores`;
  else if (resource === 'memory') change = `memory ${mib(n('memory_limit_bytes_before'))} → ${mib(n('memory_limit_bytes_after'))} MiB`;
  else change = `replicas ${fmt(n('replicas_before'), 0)} → ${fmt(n('replicas_after'), 0)}`;
  return {
    time: Number(row.time),
    action: String(row.action ?? 'hold'),
    resource,
    outcome: String(row.outcome ?? 'applied'),
    dryRun: row.dry_run === true,
    reason: String(row.reason ?? ''),
    change,
  };
}

function fmt(value: number | undefined, digits: number): string {
  return value === undefined ? '?' : value.toFixed(digits);
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '?' : (bytes / 2 ** 20).toFixed(0);
}
