/**
 * Property tests of what the collector writes to InfluxDB and what the scaler and the report read
 * back: names from Docker labels (any string an operator writes), field values (any double), the
 * line protocol the points become, and the pure parts that make the values (rates, quantiles,
 * cgroup files). The InfluxDB ones run against the real influxd of the test setup, each run in a
 * database of its own, created and dropped by the run.
 */
import { Point } from '@influxdata/influxdb-client';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ContainerStatsField,
  influxQuery,
  listServices,
  Measurement,
  readContainerWindow,
  readServiceWindow,
  ServiceStatsField,
  storableTagValue,
  toLine,
  InfluxWriter,
  type InfluxConnection,
} from '../../common/influx/index.js';
import { quoteString } from '../../common/influx/influxql.js';
import type { CgroupFileReader } from '../../collector/cgroupReader.js';
import type { CgroupReadings } from '../../collector/cgroupSample.js';
import { Collector } from '../../collector/collector.js';
import type { ContainerSource } from '../../collector/dockerSource.js';
import { histogramQuantile } from '../../collector/histogramQuantile.js';
import { parseKeyValues, parseSingleNumber } from '../../collector/keyValueFile.js';
import { parseTargetLabels } from '../../collector/labels.js';
import { parseCgroupV1, v1Files, type V1FileName } from '../../collector/cgroupV1.js';
import { parseCgroupV2, v2Files, type V2FileName } from '../../collector/cgroupV2.js';
import { containerStatsPoint, serviceStatsPoint } from '../../collector/points.js';
import { counterIncrease, defaultRequestMetricNames, requestStats, type ScrapeSnapshot } from '../../collector/requestMetrics.js';
import type { MetricsScraper } from '../../collector/scraper.js';
import { createSelfMetrics } from '../../collector/selfMetrics.js';
import type { ServiceStats } from '../../collector/serviceStats.js';
import type { Target } from '../../collector/target.js';
import { influxWindowReader } from '../../scaler/loop/influxWindow.js';
import { readServiceHistory } from '../../scaler/report/history.js';
import { propertySettings } from '../support/properties.js';
import { countersSnapshot } from './support/scrapeSnapshots.js';
import { capturingLogger } from './support/runCollector.js';

const url = process.env.INFLUX_URL ?? '';
const databasePrefix = `prop_roundtrip_${Date.now()}`;
let databaseCount = 0;
const created = new Set<string>();

/** A database of the run's own (nothing of another file's, nor of an earlier run, can answer). */
async function freshDatabase(): Promise<InfluxConnection> {
  const database = `${databasePrefix}_${(databaseCount += 1)}`;
  const connection: InfluxConnection = { url, database, retentionPolicy: '', auth: { kind: 'none' } };
  await influxQuery(connection, `CREATE DATABASE "${database}"`, { write: true, database: '' });
  created.add(database);
  return connection;
}

async function dropDatabase(connection: InfluxConnection): Promise<void> {
  await influxQuery(connection, `DROP DATABASE "${connection.database}"`, { write: true, database: '' });
  created.delete(connection.database);
}

/** Runs `use` with a writer that logs nothing, on a fresh database; then closes the writer and drops the database. */
async function withQuietWriter(use: (writer: InfluxWriter, connection: InfluxConnection) => Promise<void>): Promise<void> {
  const connection = await freshDatabase();
  const { logger } = capturingLogger('fatal');
  const writer = new InfluxWriter(connection, { logger });
  try {
    await use(writer, connection);
  } finally {
    await writer.close(0);
    await dropDatabase(connection);
  }
}

afterAll(async () => {
  for (const database of [...created]) await dropDatabase({ url, database, retentionPolicy: '', auth: { kind: 'none' } }).catch(() => undefined);
});

// ---------------------------------------------------------------------------------------------
// A reference reader of the line protocol, written from InfluxDB 1.x's documentation and what its
// parser does: in measurements, tag keys and tag values a `,`, ` ` (and `=` in keys and values)
// preceded by a backslash is part of the name, and `\,` `\ ` `\=` stand for the character; any
// other backslash is kept as it is. String field values are in double quotes, with `\"` and `\\`.
// Integers end in `i`; `t`/`true`/`f`/`false` are booleans; anything else is a float.
// ---------------------------------------------------------------------------------------------

interface ParsedLine {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  time: string | undefined;
}

/** Index of the first of `stops` at or after `from` that no backslash precedes. */
function unescapedIndex(text: string, from: number, stops: string): number {
  for (let i = from; i < text.length; i++) if (stops.includes(text[i] as string) && text[i - 1] !== '\\') return i;
  return -1;
}

const unescapeName = (text: string, chars: string) => [...chars].reduce((out, c) => out.split(`\\${c}`).join(c), text);

function parseLine(line: string): ParsedLine {
  const keyEnd = unescapedIndex(line, 0, ' ');
  if (keyEnd < 0) throw new Error('no field set');
  const key = line.slice(0, keyEnd);
  // A line end ends the line anywhere but inside a quoted string field.
  if (key.includes('\n')) throw new Error('a line end inside the series key');
  const parts: string[] = [];
  for (let start = 0; start <= key.length; ) {
    const comma = unescapedIndex(key, start, ',');
    const end = comma < 0 ? key.length : comma;
    parts.push(key.slice(start, end));
    start = end + 1;
  }
  const [measurement = '', ...tagParts] = parts;
  const tags: Record<string, string> = {};
  for (const part of tagParts) {
    const eq = unescapedIndex(part, 0, '=');
    if (eq <= 0 || eq === part.length - 1 || unescapedIndex(part, eq + 1, '=') >= 0) throw new Error(`invalid tag format: ${part}`);
    tags[unescapeName(part.slice(0, eq), ', =')] = unescapeName(part.slice(eq + 1), ', =');
  }
  const fields: Record<string, number | string | boolean> = {};
  let i = keyEnd + 1;
  for (;;) {
    const eq = unescapedIndex(line, i, '=');
    if (eq < 0) throw new Error('field without value');
    const name = unescapeName(line.slice(i, eq), ', =');
    let j = eq + 1;
    let value: number | string | boolean;
    if (line[j] === '"') {
      let text = '';
      for (j += 1; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) j += 1;
        text += line[j];
      }
      if (line[j] !== '"') throw new Error('unterminated string');
      value = text;
      j += 1;
    } else {
      let end = j;
      while (end < line.length && line[end] !== ',' && line[end] !== ' ') end++;
      const raw = line.slice(j, end);
      if (/^-?\d+i$/.test(raw)) value = Number(raw.slice(0, -1));
      else if (/^(t|T|true|True|TRUE)$/.test(raw)) value = true;
      else if (/^(f|F|false|False|FALSE)$/.test(raw)) value = false;
      else if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) value = Number(raw);
      else throw new Error(`bad field value ${raw}`);
      j = end;
    }
    fields[name] = value;
    if (line[j] === ',') {
      i = j + 1;
      continue;
    }
    const time = j < line.length ? line.slice(j + 1) : undefined;
    if (time !== undefined && !/^-?\d+$/.test(time)) throw new Error(`bad time ${time}`);
    return { measurement, tags, fields, time };
  }
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Characters that mean something to the line protocol, to InfluxQL, to regexes, or to JSON. */
const special = fc.constantFrom(' ', ',', '=', '"', "'", '\\', '\n', '\r', '\t', '\0', '/', '*', '|', '(', ')', '$', ';', '-', '#', '{', '}');
const nameUnit = fc.oneof({ weight: 3, arbitrary: special }, { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'Z', '0', 'é', '☃', '😀', 'ß') }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }) });
/** Any name an operator might write: unicode, separators, quotes, backslashes, line ends, and injection attempts. */
const anyName = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: nameUnit, minLength: 1, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom("x' OR 1=1 --", 'x" OR "1"="1', "web'; DROP DATABASE x; --", "a\\' OR service =~ /.*/ --", 'web\\', 'we b', 'a,b=c', 'line\nend', '/.*/', "'") },
);

const bigInt = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.double({ min: 2 ** 53, max: 2 ** 64, noNaN: true }).map(Math.floor));
const anyDouble = fc.double({ noNaN: true, noDefaultInfinity: true });

/** A reading from a key a cgroup file may hold garbled: then unknown. */
const orUnknown = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 6 });

/** One cgroup reading as the readers produce it, with any magnitudes (the collector must not care). */
const readings: fc.Arbitrary<CgroupReadings> = fc.record({
  cpuUsageSeconds: fc.double({ min: 0, max: 1e9, noNaN: true }),
  cpuPeriods: orUnknown(fc.nat()),
  cpuThrottledPeriods: orUnknown(fc.nat()),
  cpuThrottledSeconds: orUnknown(fc.double({ min: 0, max: 1e6, noNaN: true })),
  cpuLimitCores: fc.option(fc.double({ min: 0.001, max: 1024, noNaN: true }), { nil: undefined }),
  memoryUsageBytes: bigInt,
  memoryWorkingSetBytes: orUnknown(bigInt),
  memoryRssBytes: orUnknown(bigInt),
  memoryCacheBytes: orUnknown(bigInt),
  memoryLimitBytes: fc.option(fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), fc.double({ min: 2 ** 59, max: 2 ** 60, noNaN: true }).map(Math.floor)), { nil: undefined }),
  oomKills: orUnknown(fc.nat({ max: 1000 })),
  source: fc.constant('cgroup-v2' as const),
});

const containerSpec = fc.record({ service: anyName, name: anyName, replica: fc.option(anyName, { nil: undefined }), first: readings, cpuStep: fc.double({ min: 0, max: 100, noNaN: true }), later: readings });

// ---------------------------------------------------------------------------------------------
// The real Collector, with Docker and the cgroup files replaced by what the property generates.
// ---------------------------------------------------------------------------------------------

interface Spec {
  service: string;
  name: string;
  replica: string | undefined;
  first: CgroupReadings;
  cpuStep: number;
  later: CgroupReadings;
}

function collectorFor(specs: readonly Spec[], writer: InfluxWriter, lines: string[]) {
  const { logger, lines: logs } = capturingLogger('warn');
  const targets: Target[] = [];
  const reads = new Map<string, CgroupReadings[]>();
  specs.forEach((spec, index) => {
    const labels = parseTargetLabels({ 'scalewright.service': spec.service, ...(spec.replica !== undefined ? { 'scalewright.replica': spec.replica } : {}) });
    if (!labels) return;
    const id = index.toString(16).padStart(64, 'a');
    targets.push({ id, name: spec.name, pid: 0, ip: undefined, labels, cpuLimitCores: undefined });
    // The reading taken when the container is first seen, then one per pass (the counter moves on).
    const second = { ...spec.later, cpuUsageSeconds: spec.first.cpuUsageSeconds + spec.cpuStep };
    reads.set(id, [spec.first, spec.first, second]);
  });
  const source: ContainerSource = {
    listRunning: async () => targets,
    inspect: async (id) => targets.find((target) => target.id === id),
    watch: () => () => undefined,
    stats: async () => {
      throw new Error('no Docker here');
    },
    hostName: async () => 'host-1',
    hostMemoryBytes: async () => undefined,
  };
  const cgroups = {
    locate: async (_pid: number, id: string) => ({ version: 2 as const, dir: id }),
    read: async (location: { dir: string }) => reads.get(location.dir)?.shift(),
    forget: () => undefined,
    close: () => undefined,
  } as unknown as CgroupFileReader;
  const sink = {
    write(points: readonly Point[]) {
      for (const point of points) {
        const line = toLine(point);
        if (line) lines.push(line);
      }
      writer.write(points);
    },
  };
  const collector = new Collector({
    source,
    cgroups,
    scraper: {} as MetricsScraper,
    sink,
    metrics: createSelfMetrics(() => writer.stats()),
    logger,
    intervalMs: 10_000,
    resyncMs: 60_000,
    metricNames: defaultRequestMetricNames,
    dockerStatsFallback: false,
  });
  return { collector, targets, logs };
}

/** A line's numeric fields as the reads return them: every wanted field, `null` where absent. */
function expectedValues(line: ParsedLine, fields: readonly string[]): Record<string, number | null> {
  return Object.fromEntries(fields.map((field) => [field, typeof line.fields[field] === 'number' ? (line.fields[field] as number) : null]));
}

const serviceFields = Object.values(ServiceStatsField);
const containerFields = Object.values(ContainerStatsField);

describe('names from Docker labels, written by the collector and read back by the scaler and the report', () => {
  it('come back unchanged with the values written, or the container is refused with a warning; the others are never harmed and a name never changes a query', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(containerSpec, { minLength: 1, maxLength: 3 }), (specs) => withQuietWriter(async (writer, connection) => {
        const lines: string[] = [];
        const { collector, targets, logs } = collectorFor(specs, writer, lines);
        try {
          const t1 = Math.floor(Date.now() / 1000) * 1000 - 20_000;
          const t2 = t1 + 10_000;
          await collector.resync();
          await collector.collectOnce(new Date(t1));
          await collector.collectOnce(new Date(t2));
          await writer.flush();
          // Nothing the collector hands the writer is refused: no batch lost for everyone else's sake.
          expect(writer.stats()).toMatchObject({ droppedPoints: 0, bufferedPoints: 0, pointsWritten: lines.length });

          const storable = (target: Target) => [target.labels.service, target.name, target.labels.replica ?? target.name].every(storableTagValue);
          const watched = targets.filter(storable);
          const refused = targets.filter((target) => !storable(target));
          for (const target of refused) expect(logs.some((log) => log.level === 40 && log.container === target.name && String(log.msg).startsWith('container not watched'))).toBe(true);

          const parsed = lines.map(parseLine);
          // What the collector meant to write is exactly the watched names: nothing renamed on the way.
          const services = [...new Set(watched.map((target) => target.labels.service))];
          expect(new Set(parsed.map((line) => line.tags.service))).toEqual(new Set(services));
          expect(new Set(parsed.filter((line) => line.tags.container !== undefined).map((line) => line.tags.container))).toEqual(new Set(watched.map((target) => target.name)));
          expect((await listServices(connection)).sort()).toEqual([...services].sort());

          const readWindow = influxWindowReader(connection);
          for (const service of services) {
            const own = parsed.filter((line) => line.tags.service === service);
            const serviceLines = own.filter((line) => line.measurement === Measurement.serviceStats);
            const window = await readServiceWindow(connection, { service, fields: serviceFields, windowSeconds: 3600 });
            expect(window).toEqual(serviceLines.map((line) => ({ time: Number(line.time), values: expectedValues(line, serviceFields) })));

            const containerLines = own.filter((line) => line.measurement === Measurement.containerStats);
            const containerRows = await readContainerWindow(connection, Measurement.containerStats, { service, fields: containerFields, windowSeconds: 3600 });
            const key = (row: { time: number; container: string; replica: string }) => `${row.time} ${row.container} ${row.replica}`;
            const wanted = containerLines.map((line) => ({ time: Number(line.time), container: line.tags.container ?? '', replica: line.tags.replica ?? '', values: expectedValues(line, containerFields) }));
            expect([...containerRows].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(wanted.sort((a, b) => key(a).localeCompare(key(b))));

            const scalerView = await readWindow(service, 3600);
            expect(scalerView.ok).toBe(true);
            if (scalerView.ok) expect(scalerView.window.replicas.map((sample) => sample.value)).toEqual(serviceLines.map((line) => line.fields.replicas));

            const history = await readServiceHistory(connection, service, t1 - 1000, t2 + 1000);
            expect(history.replicas.map((point) => point.v)).toEqual(serviceLines.map((line) => line.fields.replicas));
          }

          // A refused name is "no data" to the scaler, not a broken query, except one with a carriage
          // return or a NUL, which InfluxQL cannot quote at all (it reads them as a line end, an end).
          for (const target of refused) {
            const service = target.labels.service;
            if (services.includes(service)) continue;
            const view = await readWindow(service, 3600, { containerCpu: true });
            if (/[\r\0]/.test(service)) expect(view).toMatchObject({ ok: false });
            else expect(view.ok && view.window.replicas).toEqual([]);
          }
        } finally {
          await collector.stop();
        }
      })),
      propertySettings(60),
    );
  });

  it('a name that would inject InfluxQL reads only its own rows (regression examples)', async () => {
    const connection = await freshDatabase();
    try {
      const { logger } = capturingLogger('fatal');
      const writer = new InfluxWriter(connection, { logger });
      const names = ['web', "x' OR 1=1 --", 'x" OR "1"="1', "a\\' OR service =~ /.*/ --", 'we b,c=d', 'é☃😀'];
      const now = Date.now();
      writer.write(names.map((name, i) => new Point(Measurement.serviceStats).tag('service', name).intField('replicas', i + 1).timestamp(new Date(now - 1000))));
      await writer.flush();
      expect((await listServices(connection)).sort()).toEqual([...names].sort());
      for (const [i, name] of names.entries()) {
        const rows = await readServiceWindow(connection, { service: name, fields: ['replicas'], windowSeconds: 60 });
        expect(rows.map((row) => row.values.replicas)).toEqual([i + 1]);
      }
      // A line end is quoted as InfluxQL's `\n` escape: the query runs and finds nothing.
      expect(quoteString('a\nb')).toBe("'a\\nb'");
      expect(await readServiceWindow(connection, { service: 'web\nx', fields: ['replicas'], windowSeconds: 60 })).toEqual([]);
    } finally {
      await dropDatabase(connection);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Field values
// ---------------------------------------------------------------------------------------------

const fieldValue = fc.oneof(
  { weight: 6, arbitrary: anyDouble },
  { weight: 2, arbitrary: fc.constantFrom(0, -0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, 2 ** 63, 2 ** 63 - 1024, -(2 ** 63), 1e21) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const serviceStatsArb: fc.Arbitrary<ServiceStats> = fc.record({
  service: fc.constant('svc'),
  replicas: fc.oneof(fc.nat({ max: 1000 }), fieldValue.map((value) => value ?? 0)),
  ...Object.fromEntries(
    (Object.keys({ cpuUsageCores: 0, cpuLimitCores: 0, cpuFractionOfLimit: 0, cpuFractionOfLimitMax: 0, cpuThrottledFraction: 0, memoryWorkingSetBytes: 0, memoryLimitBytes: 0, memoryFractionOfLimitMax: 0, oomKillsTotal: 0, requestsPerSecond: 0, errorsPerSecond: 0, errorFraction: 0, latencyP50Seconds: 0, latencyP95Seconds: 0, latencyP99Seconds: 0, queueDepthJobs: 0, jobsPerSecond: 0, jobDurationP95Seconds: 0, jobLeadTimeP95Seconds: 0 })).map((key) => [key, fieldValue]),
  ),
}) as unknown as fc.Arbitrary<ServiceStats>;

/** Which service_stats fields are integers (written with Math.round), per the schema. */
const intFields = new Set<string>([ServiceStatsField.replicas, ServiceStatsField.memoryWorkingSetBytes, ServiceStatsField.memoryLimitBytes, ServiceStatsField.oomKillsTotal]);
const statsKeyOf: Record<string, keyof ServiceStats> = {
  replicas: 'replicas', cpu_usage_cores: 'cpuUsageCores', cpu_limit_cores: 'cpuLimitCores', cpu_fraction_of_limit: 'cpuFractionOfLimit', cpu_fraction_of_limit_max: 'cpuFractionOfLimitMax',
  cpu_throttled_fraction: 'cpuThrottledFraction', memory_working_set_bytes: 'memoryWorkingSetBytes', memory_limit_bytes: 'memoryLimitBytes', memory_fraction_of_limit_max: 'memoryFractionOfLimitMax',
  oom_kills_total: 'oomKillsTotal', requests_per_second: 'requestsPerSecond', errors_per_second: 'errorsPerSecond', error_fraction: 'errorFraction', latency_p50_seconds: 'latencyP50Seconds',
  latency_p95_seconds: 'latencyP95Seconds', latency_p99_seconds: 'latencyP99Seconds', queue_depth_jobs: 'queueDepthJobs', jobs_per_second: 'jobsPerSecond', job_duration_p95_seconds: 'jobDurationP95Seconds',
  job_lead_time_p95_seconds: 'jobLeadTimeP95Seconds',
};

/** What the schema promises for one value: a finite float as it is, an integer rounded, anything InfluxDB cannot hold absent. */
function stored(field: string, value: number | undefined): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  if (!intFields.has(field)) return value === 0 ? 0 : value;
  return Math.abs(value) < 2 ** 63 ? Math.round(value) || 0 : null;
}

describe('field values', () => {
  it('any finite value comes back as written (integers rounded); NaN, ±Infinity and integers beyond int64 are left out, never failing the point or its batch', async () => {
    let run = 0;
    await withQuietWriter(async (writer, connection) => {
      await fc.assert(
        fc.asyncProperty(serviceStatsArb, async (stats) => {
          run += 1;
          const service = `svc-${run}`;
          const time = new Date(Date.now() - 5000);
          // A plain point in the same batch, which nothing about the other may harm.
          const points = [serviceStatsPoint({ ...stats, service }, 'host-1', time), new Point(Measurement.serviceStats).tag('service', `${service}-plain`).floatField('cpu_usage_cores', 1.25).timestamp(time)];
          writer.write(points);
          await writer.flush();
          expect(writer.stats()).toMatchObject({ droppedPoints: 0, bufferedPoints: 0 });
          const [row] = await readServiceWindow(connection, { service, fields: serviceFields, windowSeconds: 600 });
          const expected = Object.fromEntries(serviceFields.map((field) => [field, stored(field, stats[statsKeyOf[field] as keyof ServiceStats] as number | undefined)]));
          if (Object.values(expected).every((value) => value === null)) expect(row).toBeUndefined();
          else expect(row?.values).toEqual(expected);
          const plain = await readServiceWindow(connection, { service: `${service}-plain`, fields: ['cpu_usage_cores'], windowSeconds: 600 });
          expect(plain.map((one) => one.values.cpu_usage_cores)).toEqual([1.25]);
        }),
        propertySettings(80),
      );
    });
  });

  it('an integer field beyond int64 is left out instead of failing the point (regression: memory limits summed past 2^63)', () => {
    const stats = { service: 'svc', replicas: 9, memoryLimitBytes: 9 * 2 ** 60 } as ServiceStats;
    const line = toLine(serviceStatsPoint(stats, 'host-1', new Date(0)));
    expect(line && parseLine(line).fields).toEqual({ replicas: 9 });
    const container = containerStatsPoint({ service: 'svc' }, { memoryUsageBytes: 1e19, memoryWorkingSetBytes: 1, memoryRssBytes: 0, memoryCacheBytes: 0, oomKillsTotal: 0, cpuUsageSecondsTotal: 1 } as never, true, new Date(0));
    expect(parseLine(toLine(container) ?? '').fields).not.toHaveProperty('memory_usage_bytes');
  });
});

// ---------------------------------------------------------------------------------------------
// The line protocol, without influxd
// ---------------------------------------------------------------------------------------------

describe('the line protocol the points become', () => {
  it('a reference reader gets back every tag the line protocol can carry; the others (line ends, tabs, a trailing backslash) are refused or another series, and the collector refuses exactly those and NUL', () => {
    fc.assert(
      fc.property(anyName, anyName, anyName, anyDouble, (service, container, replica, value) => {
        const tags = { service, container, replica, host: 'h' };
        const line = toLine(containerStatsPoint(tags, { cpuUsageCores: value, cpuUsageSecondsTotal: 1, memoryUsageBytes: 2, memoryWorkingSetBytes: 3, memoryRssBytes: 4, memoryCacheBytes: 5, oomKillsTotal: 0 } as never, true, new Date(1234))) ?? '';
        let parsed: ParsedLine | undefined;
        try {
          parsed = parseLine(line);
        } catch {
          parsed = undefined;
        }
        // What the line protocol carries unchanged; the collector also refuses a NUL (InfluxQL cannot ask for it).
        const carried = Object.values(tags).every((tag) => !/[\n\r\t]/.test(tag) && !tag.endsWith('\\'));
        expect(Object.values(tags).every(storableTagValue)).toBe(carried && !Object.values(tags).some((tag) => tag.includes('\0')));
        if (carried) {
          expect(parsed).toEqual({
            measurement: Measurement.containerStats,
            tags,
            fields: { cpu_usage_cores: value === 0 ? 0 : value, cpu_usage_seconds_total: 1, memory_usage_bytes: 2, memory_working_set_bytes: 3, memory_rss_bytes: 4, memory_cache_bytes: 5, oom_kills_total: 0, from_cgroup: 1 },
            time: '1234',
          });
        } else {
          // Not representable: the line is refused, or it names another series.
          expect(parsed === undefined || JSON.stringify(parsed.tags) !== JSON.stringify(Object.fromEntries(Object.entries(tags).sort()))).toBe(true);
        }
      }),
      propertySettings(1000),
    );
  });

  it('string fields (the scaler\'s decision reasons) come back whole, quotes, backslashes and line ends included', () => {
    fc.assert(
      fc.property(fc.string({ unit: nameUnit, maxLength: 20 }), (reason) => {
        const line = toLine(new Point(Measurement.scalerDecision).tag('service', 'web').stringField('reason', reason).timestamp(new Date(1))) ?? '';
        expect(parseLine(line).fields.reason).toBe(reason);
      }),
      propertySettings(500),
    );
  });

  it('string fields are stored by influxd exactly as the reference reader reads them', async () => {
    let run = 0;
    await withQuietWriter(async (writer, connection) => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: nameUnit, maxLength: 20 }), async (reason) => {
          run += 1;
          writer.write([new Point(Measurement.scalerDecision).tag('service', `web-${run}`).stringField('reason', reason).timestamp(new Date(Date.now() - 1000))]);
          await writer.flush();
          expect(writer.stats()).toMatchObject({ droppedPoints: 0, bufferedPoints: 0 });
          const [result] = await influxQuery(connection, `SELECT "reason" FROM "${Measurement.scalerDecision}" WHERE "service" = ${quoteString(`web-${run}`)}`);
          expect(result?.series[0]?.values.map((row) => row[1])).toEqual([reason]);
        }),
        propertySettings(40),
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Counters to rates, quantiles, cgroup files
// ---------------------------------------------------------------------------------------------

const counter = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e15, noNaN: true }));

describe('counters turned into rates', () => {
  it('a rate is never negative, whatever two counter readings are (a reset is not a negative rate)', () => {
    fc.assert(
      fc.property(counter, counter, counter, counter, counter, counter, fc.double({ min: 0.001, max: 3600, noNaN: true }), (r0, r1, e0, e1, j0, j1, elapsed) => {
        const stats = requestStats(countersSnapshot(100, r0, e0, j0), countersSnapshot(100 + elapsed, r1, e1, j1));
        for (const rate of [stats.requestsPerSecond, stats.errorsPerSecond, stats.jobsPerSecond]) {
          expect(rate).toBeDefined();
          expect(rate as number).toBeGreaterThanOrEqual(0);
          expect(Number.isFinite(rate)).toBe(true);
        }
        expect(counterIncrease(r0, r1)).toBeGreaterThanOrEqual(0);
      }),
      propertySettings(1000),
    );
  });

  it('a counter rising steadily gives its rate, interval after interval', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.double({ min: 0.1, max: 60, noNaN: true }), fc.integer({ min: 2, max: 6 }), (start, perSecond, interval, count) => {
        const snapshots = Array.from({ length: count }, (_, k) => countersSnapshot(1000 + k * interval, start + perSecond * k * interval, 0));
        for (let k = 1; k < count; k++) {
          const rate = requestStats(snapshots[k - 1], snapshots[k] as ScrapeSnapshot).requestsPerSecond as number;
          expect(Math.abs(rate - perSecond)).toBeLessThanOrEqual(1e-9 * Math.max(1, start + perSecond * count * interval) / interval + 1e-9 * perSecond);
        }
      }),
      propertySettings(500),
    );
  });
});

const histogram = fc
  .tuple(fc.uniqueArray(fc.double({ min: 1e-6, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 8 }), fc.array(fc.oneof(fc.nat({ max: 1000 }), fc.double({ min: 0, max: 1e9, noNaN: true })), { minLength: 9, maxLength: 9 }), fc.boolean())
  .map(([bounds, counts, cumulative]) => {
    const sorted = [...bounds].sort((a, b) => a - b);
    let total = 0;
    // Cumulative as exposed, or (scrape races) with a bucket now and then below the one before.
    const values = [...sorted, Number.POSITIVE_INFINITY].map((bound, i) => [bound, cumulative ? (total += counts[i] as number) : (counts[i] as number)] as [number, number]);
    return { bounds: sorted, map: new Map(values) };
  });

describe('latency quantiles from histogram buckets', () => {
  it('lie within the buckets (0 up to the highest finite bound) and never decrease as the quantile grows', () => {
    fc.assert(
      fc.property(histogram, fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true }), fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true }), ({ bounds, map }, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const q1 = histogramQuantile(low, map);
        const q2 = histogramQuantile(high, map);
        const total = Math.max(...map.values());
        if (!(total > 0)) {
          expect(q1).toBeUndefined();
          return;
        }
        const top = bounds[bounds.length - 1] as number;
        for (const q of [q1, q2]) {
          expect(q).toBeGreaterThanOrEqual(0);
          expect(q).toBeLessThanOrEqual(top);
        }
        expect(q1 as number).toBeLessThanOrEqual((q2 as number) * (1 + 1e-12));
      }),
      propertySettings(1000),
    );
  });
});

/** Text as a cgroup file might hold it, or anything at all. */
const fileText = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', '_', ' ', '\n', '\t', '0', '1', '9', '-', '+', '.', 'e', 'E', 'x', 'm', 'max', 'Infinity', 'NaN', '0x1f', '1e400', '-1e400', '1e308', '\r'), maxLength: 40 }),
  fc.string({ maxLength: 20 }),
  fc.array(fc.tuple(fc.constantFrom('usage_usec', 'nr_periods', 'nr_throttled', 'throttled_usec', 'anon', 'file', 'inactive_file', 'oom_kill', 'total_rss', 'total_cache', 'total_inactive_file', 'rss', 'cache'), fc.oneof(fc.nat().map(String), fc.constantFrom('', 'max', 'NaN', '-1', '1e400', 'Infinity', '18446744073709551615'))), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k} ${v}`).join('\n')),
  fc.oneof(fc.nat().map(String), fc.constantFrom('max', 'max 100000', '50000 100000', '-1', '9223372036854771712\n', ' 42 \n', '')),
);
const kernelNumber = fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(Number)).map(String);

describe('cgroup files', () => {
  it('key/value and single-number files give finite numbers or nothing (a garbled key: unknown), never NaN, never a throw', () => {
    fc.assert(
      fc.property(fc.option(fileText, { nil: undefined }), (text) => {
        for (const value of parseKeyValues(text).values()) expect(value === undefined || Number.isFinite(value)).toBe(true);
        const single = parseSingleNumber(text);
        expect(single === undefined || Number.isFinite(single)).toBe(true);
      }),
      propertySettings(1000),
    );
  });

  const readingsAreFinite = (readings: CgroupReadings | undefined) => {
    if (!readings) return;
    for (const [key, value] of Object.entries(readings)) {
      if (key === 'source') continue;
      if ((key === 'cpuLimitCores' || key === 'memoryLimitBytes') && value === undefined) continue;
      expect(Number.isNaN(value), key).toBe(false);
      expect(Number.isFinite(value), `${key} = ${String(value)}`).toBe(true);
    }
  };

  it('the v1 and v2 readers, on files as the kernel writes them (non-negative integers, "max"), give finite readings or nothing', () => {
    const kernelFile = fc.oneof(kernelNumber, fc.constant('max'), fc.array(fc.tuple(fc.constantFrom('usage_usec', 'nr_periods', 'nr_throttled', 'throttled_usec', 'anon', 'file', 'inactive_file', 'oom_kill', 'total_rss', 'total_cache', 'total_inactive_file', 'throttled_time'), kernelNumber), { maxLength: 6 }).map((pairs) => pairs.map((pair) => pair.join(' ')).join('\n')), fc.tuple(kernelNumber, kernelNumber).map(([max, period]) => `${max} ${period}`));
    const files = <N extends string>(names: readonly N[]) => fc.record(Object.fromEntries(names.map((name) => [name, fc.option(kernelFile, { nil: undefined })])) as Record<N, fc.Arbitrary<string | undefined>>, { requiredKeys: [] });
    fc.assert(
      fc.property(files<V2FileName>(v2Files), files<V1FileName>(Object.values(v1Files).flat()), (v2, v1) => {
        readingsAreFinite(parseCgroupV2(v2 as Partial<Record<V2FileName, string>>));
        readingsAreFinite(parseCgroupV1(v1 as Partial<Record<V1FileName, string>>));
      }),
      propertySettings(1000),
    );
  });

  it('the v1 and v2 readers, on any file text at all, never throw and never give NaN', () => {
    const files = <N extends string>(names: readonly N[]) => fc.record(Object.fromEntries(names.map((name) => [name, fc.option(fileText, { nil: undefined })])) as Record<N, fc.Arbitrary<string | undefined>>, { requiredKeys: [] });
    fc.assert(
      fc.property(files<V2FileName>(v2Files), files<V1FileName>(Object.values(v1Files).flat()), (v2, v1) => {
        for (const readings of [parseCgroupV2(v2 as Partial<Record<V2FileName, string>>), parseCgroupV1(v1 as Partial<Record<V1FileName, string>>)]) {
          if (!readings) continue;
          for (const [key, value] of Object.entries(readings)) if (key !== 'source') expect(Number.isNaN(value), key).toBe(false);
        }
      }),
      propertySettings(1000),
    );
  });
});
