import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CgroupReadings } from '../../collector/cgroupSample.js';
import { parseCgroupV1, v1Files, type V1FileName } from '../../collector/cgroupV1.js';
import { parseCgroupV2, parseCpuMax, v2Files, type V2FileName } from '../../collector/cgroupV2.js';
import { deriveContainerStats } from '../../collector/containerStats.js';
import { readingsFromDockerStats } from '../../collector/dockerStatsReadings.js';
import { histogramIncrease } from '../../collector/histogramQuantile.js';
import { parseKeyValues, parseSingleNumber } from '../../collector/keyValueFile.js';
import { parseTargetLabels } from '../../collector/labels.js';
import { familyNames, histogramBuckets, parsePromSamples, sumSamples, type PromSample } from '../../collector/prometheusSamples.js';
import { counterIncrease, defaultRequestMetricNames, requestStats, snapshotFromSamples } from '../../collector/requestMetrics.js';
import { propertySettings } from '../support/properties.js';
import { countersSnapshot } from './support/scrapeSnapshots.js';

/**
 * Property tests of the collector's reading of its inputs: a Prometheus text exposition
 * (`collector/prometheusSamples.ts`) and the counters in it (`collector/requestMetrics.ts`,
 * `collector/histogramQuantile.ts`), a container's cgroup files (`collector/keyValueFile.ts`,
 * `collector/cgroupV1.ts`, `collector/cgroupV2.ts`) and its platform labels (`collector/labels.ts`).
 */

type Kind = 'counter' | 'gauge' | 'histogram' | 'untyped';
interface Family {
  name: string;
  kind: Kind;
  help: string | undefined;
  /** One label set per series (distinct), each with its value (counters, gauges) or cumulative bucket counts (histograms). */
  series: { labels: [string, string][]; value: number; buckets: number[]; sum: number; leAt: number }[];
}

const BOUNDS = [0.005, 0.1, 0.25, 1, 2.5, 10];

/** What a counter, or any quantity the collector sums (a count, a queue, a start time), can read. */
const isCounterReading = (value: number) => Number.isFinite(value) && value >= 0;

/** A label value with what must be escaped in it: backslashes, quotes, line ends, and the characters that end a label set. */
const labelValue = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '\t', '"', '\\', '\n', '{', '}', ',', '=', '#', 'é', '/'), maxLength: 8 });
const labelName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/).filter((name) => name !== 'le' && name !== 'quantile');
const labelSet = fc.uniqueArray(fc.tuple(labelName, labelValue), { selector: ([name]) => name, maxLength: 3 });
const sampleValue = fc.oneof(fc.integer({ min: -1e6, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)), fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY));
// A HELP text with something in it: `# HELP name` with none is refused by parse-prometheus-text-format (see the test below).
const help = fc.option(fc.string({ unit: fc.constantFrom('a', ' ', '\\', '\n', '"', 'x'), maxLength: 12 }).filter((text) => text.trim() !== ''), { nil: undefined });

const family: fc.Arbitrary<Omit<Family, 'name'> & { stem: string }> = fc
    .record({
      stem: fc.stringMatching(/^[a-z_:][a-z0-9_:]{0,8}$/),
      kind: fc.constantFrom<Kind>('counter', 'gauge', 'histogram', 'untyped'),
      help,
      series: fc.uniqueArray(
        fc.record({ labels: labelSet, value: sampleValue, increments: fc.array(fc.nat({ max: 1000 }), { minLength: BOUNDS.length + 1, maxLength: BOUNDS.length + 1 }), sum: fc.double({ min: 0, max: 1e6, noNaN: true }), leAt: fc.nat() }),
        { selector: (s) => JSON.stringify([...s.labels].sort()), minLength: 1, maxLength: 3 },
      ),
    })
    .map(({ stem, kind, help: text, series }) => ({
      stem,
      kind,
      help: text,
      series: series.map(({ labels, value, increments, sum, leAt }) => {
        let total = 0;
        return { labels, value, buckets: increments.map((n) => (total += n)), sum, leAt };
      }),
    }));
// The index makes every family's names, and the names its histogram derives, distinct.
const exposition: fc.Arbitrary<Family[]> = fc.array(family, { minLength: 1, maxLength: 5 }).map((families) => families.map(({ stem, ...f }, i) => ({ ...f, name: `m${i}_${stem}` })));

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const number = (value: number) => (value === Number.POSITIVE_INFINITY ? '+Inf' : value === Number.NEGATIVE_INFINITY ? '-Inf' : String(value));
const labelText = (labels: readonly [string, string][]) => (labels.length ? `{${labels.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}` : '');

/** The exposition's text, as prom-client writes one (HELP, TYPE, then the samples), and the samples it holds, in order. */
function render(families: readonly Family[], lineEnd = '\n', finalLineEnd = true): { text: string; samples: PromSample[] } {
  const lines: string[] = [];
  const samples: PromSample[] = [];
  for (const f of families) {
    if (f.help !== undefined) lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    if (f.kind !== 'untyped') lines.push(`# TYPE ${f.name} ${f.kind}`);
    for (const s of f.series) {
      if (f.kind !== 'histogram') {
        lines.push(`${f.name}${labelText(s.labels)} ${number(s.value)}`);
        samples.push({ name: f.name, labels: Object.fromEntries(s.labels), value: s.value });
        continue;
      }
      s.buckets.forEach((count, i) => {
        const le = i < BOUNDS.length ? String(BOUNDS[i]) : '+Inf';
        // `le` anywhere among the labels: exporters put it first or last.
        const labels: [string, string][] = [...s.labels];
        labels.splice(s.leAt % (labels.length + 1), 0, ['le', le]);
        lines.push(`${f.name}_bucket${labelText(labels)} ${count}`);
        samples.push({ name: `${f.name}_bucket`, labels: Object.fromEntries(labels), value: count });
      });
      lines.push(`${f.name}_sum${labelText(s.labels)} ${s.sum}`, `${f.name}_count${labelText(s.labels)} ${s.buckets.at(-1)}`);
      samples.push({ name: `${f.name}_sum`, labels: Object.fromEntries(s.labels), value: s.sum }, { name: `${f.name}_count`, labels: Object.fromEntries(s.labels), value: s.buckets.at(-1) as number });
    }
  }
  return { text: lines.join(lineEnd) + (finalLineEnd ? lineEnd : ''), samples };
}

/** Samples compared by content: labels as sorted entries (the order a line gives them in is not the sample's). */
const canonical = (samples: readonly PromSample[]) => samples.map((s) => ({ name: s.name, labels: Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)), value: s.value }));

describe('Prometheus exposition parsing, as properties', () => {
  it('a generated exposition (counters, gauges, histograms of several label sets, HELP and TYPE lines, escaped label values, ±Inf) gives back exactly its samples, in order', () => {
    fc.assert(
      fc.property(exposition, fc.constantFrom('\n', '\r\n'), fc.boolean(), (families, lineEnd, finalLineEnd) => {
        const { text, samples } = render(families, lineEnd, finalLineEnd);
        expect(canonical(parsePromSamples(text))).toEqual(canonical(samples));
      }),
      propertySettings(150),
    );
  });

  it('regression: the last sample of a text without a final line end is kept, as it is with `only`', () => {
    // Found by the property below (`m{le="+Inf"}`): parse-prometheus-text-format writes out a
    // family when the next one starts or at the last line, so a last line that is a sample was lost.
    expect(parsePromSamples('a 1\nb 2')).toEqual([{ name: 'a', labels: {}, value: 1 }, { name: 'b', labels: {}, value: 2 }]);
    expect(parsePromSamples('a 1\nb 2', new Set(['b']))).toEqual([{ name: 'b', labels: {}, value: 2 }]);
    expect(parsePromSamples('h_bucket{le="+Inf"} 3')).toEqual([{ name: 'h_bucket', labels: { le: '+Inf' }, value: 3 }]);
  });

  it('a comment never reaches the library, with or without `only`: an empty HELP, a TYPE with more words, `#` with no space', () => {
    // The library refuses the first two (Prometheus's own parser takes `# HELP name`), and reads
    // the third as a sample named `#x`; samples are read untyped, so comments say nothing needed.
    for (const only of [undefined, new Set(['a'])]) {
      expect(parsePromSamples('# HELP a \na 1\n', only)).toEqual([{ name: 'a', labels: {}, value: 1 }]);
      expect(parsePromSamples('# TYPE a counter extra\na 1\n', only)).toEqual([{ name: 'a', labels: {}, value: 1 }]);
      expect(parsePromSamples('#x 1\na 1\n', only)).toEqual([{ name: 'a', labels: {}, value: 1 }]);
    }
  });

  it('regression: a sample line with a name and no value is not a sample (it read as 0), with or without `only`', () => {
    for (const only of [undefined, familyNames(['http_requests', 'foo', 'm'])]) {
      expect(parsePromSamples('http_requests_total{route="/"}\n', only)).toEqual([]);
      expect(parsePromSamples('foo \n', only)).toEqual([]);
      // The library merges a line into the one before when their labels match: the value went to 0.
      expect(parsePromSamples('m{a="b"} 1\nm{a="b"}\n', only)).toEqual([{ name: 'm', labels: { a: 'b' }, value: 1 }]);
      // What looks like a value inside a label value is not one.
      expect(parsePromSamples('m{a="} 1"}\n', only)).toEqual([]);
    }
  });

  it('regression: an indented TYPE histogram line is a comment too, so the buckets come through as samples without `only` (they were lost)', () => {
    const text = '  # TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\n';
    const buckets = [{ name: 'h_bucket', labels: { le: '1' }, value: 2 }, { name: 'h_bucket', labels: { le: '+Inf' }, value: 3 }];
    expect(parsePromSamples(text)).toEqual(buckets);
    expect(parsePromSamples(text, familyNames(['h']))).toEqual(buckets);
  });

  it('regression: with `only`, an indented sample line, or one after a byte order mark, is read as without (it was skipped)', () => {
    for (const text of ['  m 1\n', '\tm 1\n', '\ufeffm 1\n']) {
      expect(parsePromSamples(text, new Set(['m'])), JSON.stringify(text)).toEqual([{ name: 'm', labels: {}, value: 1 }]);
      expect(parsePromSamples(text), JSON.stringify(text)).toEqual([{ name: 'm', labels: {}, value: 1 }]);
    }
  });

  it('with `only` the names of some families, it gives back exactly those families\' samples, as without `only`', () => {
    fc.assert(
      fc.property(exposition.chain((families) => fc.tuple(fc.constant(families), fc.subarray(families.map((f) => f.name)))), ([families, kept]) => {
        const { text, samples } = render(families);
        const only = familyNames(kept);
        const expected = samples.filter((s) => only.has(s.name));
        expect(canonical(parsePromSamples(text, only))).toEqual(canonical(expected));
        expect(canonical(parsePromSamples(text).filter((s) => only.has(s.name)))).toEqual(canonical(expected));
      }),
      propertySettings(200),
    );
  });

  it('a histogram\'s buckets, summed over its label sets, are the generated cumulative counts summed by bound; and a counter\'s or gauge\'s sum is its series\' sum when every one is finite and not below 0, else unknown', () => {
    fc.assert(
      fc.property(exposition, (families) => {
        const samples = parsePromSamples(render(families).text);
        for (const f of families) {
          if (f.kind === 'histogram') {
            const expected = new Map([...BOUNDS, Number.POSITIVE_INFINITY].map((bound, i) => [bound, f.series.reduce((total, s) => total + (s.buckets[i] as number), 0)]));
            expect(histogramBuckets(samples, f.name)).toEqual(expected);
            expect(sumSamples(samples, `${f.name}_count`)).toBe(f.series.reduce((total, s) => total + (s.buckets.at(-1) as number), 0));
          } else {
            expect(histogramBuckets(samples, f.name).size).toBe(0);
            // One series that is not a reading (±Inf, below 0) makes the sum unknown: left out or
            // added in, it would hide in a plausible total. No series at all is unknown too, not 0.
            const expectedSum = (values: readonly number[]) => (values.length > 0 && values.every(isCounterReading) ? values.reduce((a, b) => a + b, 0) : undefined);
            expect(sumSamples(samples, f.name)).toBe(expectedSum(f.series.map((s) => s.value)));
            // A filter keeps the series whose labels pass it, and nothing else.
            const first = f.series[0]?.labels[0];
            if (first) {
              const passing = f.series.filter((s) => s.labels.some(([n, v]) => n === first[0] && v === first[1])).map((s) => s.value);
              expect(sumSamples(samples, f.name, (labels) => labels[first[0]] === first[1])).toBe(expectedSum(passing));
            }
          }
        }
        expect(sumSamples(samples, 'not_exposed')).toBeUndefined();
      }),
      propertySettings(200),
    );
  });

  it('any text either parses to samples (a name, string label values, a number) or throws an Error, which the collector counts as a failed scrape; what parses whole also parses with `only`, to a subset', () => {
    const expositionLike = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', '_', '{', '}', '"', '=', ',', ' ', '\t', '\\', '\n', '#', '1', '.', 'e', '+', '-', 'I', 'n', 'f'), maxLength: 60 }),
      fc.array(fc.constantFrom('# TYPE m histogram\n', '# HELP m x\n', '# TYPE m\n', 'm_bucket{le="1"} 2\n', 'm{a="b"} 1\n', 'm 3\n', 'm{a=b} 1\n', '\n', '# x\n', 'n_total 5\n', 'm{le="+Inf"}', ' 1e3', '\\'), { maxLength: 12 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    const only = familyNames(['m', 'n']);
    fc.assert(
      fc.property(expositionLike, (text) => {
        let whole: PromSample[] | undefined;
        try {
          whole = parsePromSamples(text);
        } catch (error) {
          // collector.ts `scrape`: any throw is caught, counted in scrapeErrors and logged by its message.
          expect(error).toBeInstanceOf(Error);
        }
        if (whole === undefined) return;
        for (const sample of whole) {
          expect(typeof sample.name).toBe('string');
          expect(typeof sample.value).toBe('number');
          for (const value of Object.values(sample.labels)) expect(typeof value).toBe('string');
        }
        const kept = parsePromSamples(text, only);
        for (const sample of kept) expect(only.has(sample.name)).toBe(true);
        expect(kept.length).toBeLessThanOrEqual(whole.filter((s) => only.has(s.name)).length);
      }),
      propertySettings(400),
    );
  });

  /** A line as an exposition may hold one beyond what prom-client writes. Each sample line has its own labels, so no two are one series. */
  type MessyLine =
    | { kind: 'sample'; name: string; labelled: boolean; extra: string | undefined; value: number; indent: string; braceGap: string; gap: string; trailing: string }
    | { kind: 'no value'; name: string; labelled: boolean; extra: string | undefined; sameAsBefore: boolean; indent: string; braceGap: string; trailing: string }
    | { kind: 'comment'; indent: string; body: string }
    | { kind: 'blank'; text: string };
  // Whitespace the library trims off a line: the format's blanks, and others such as a byte order mark.
  const indent = fc.constantFrom('', '', ' ', '\t', ' \t ', '\ufeff', '\u00a0', '\v');
  const trailing = fc.constantFrom('', '', ' ', '\t', '\r', ' \u00a0');
  const braceGap = fc.constantFrom('', '', ' ');
  const messyName = fc.constantFrom('m', 'm_bucket', 'm_count', 'n_total', 'x');
  const extra = fc.option(labelValue, { nil: undefined });
  const messyLine: fc.Arbitrary<MessyLine> = fc.oneof(
    fc.record({ kind: fc.constant('sample' as const), name: messyName, labelled: fc.boolean(), extra, value: sampleValue, indent, braceGap, gap: fc.constantFrom(' ', '\t', '  '), trailing }),
    fc.record({ kind: fc.constant('no value' as const), name: messyName, labelled: fc.boolean(), extra, sameAsBefore: fc.boolean(), indent, braceGap, trailing }),
    fc.record({ kind: fc.constant('comment' as const), indent, body: fc.constantFrom(' TYPE m histogram', ' TYPE m_bucket summary', ' TYPE n_total counter', ' HELP m some help', ' HELP m ', 'TYPE m histogram', '', ' TYPE m counter extra', ' m 1', '# x') }),
    fc.record({ kind: fc.constant('blank' as const), text: fc.constantFrom('', ' ', '\t', '\r') }),
  );

  /** The text of the lines and the samples it holds, in order. */
  function renderMessy(lines: readonly MessyLine[], lineEnd: string, finalLineEnd: boolean): { text: string; samples: PromSample[] } {
    const texts: string[] = [];
    const samples: PromSample[] = [];
    const unlabelled = new Set<string>();
    let last: { name: string; labels: [string, string][] } | undefined;
    lines.forEach((line, i) => {
      if (line.kind === 'comment') texts.push(`${line.indent}#${line.body}`);
      if (line.kind === 'blank') texts.push(line.text);
      if (line.kind !== 'sample' && line.kind !== 'no value') return;
      let name = line.name;
      let labels: [string, string][] = line.labelled || (line.kind === 'sample' && unlabelled.has(name)) ? [['i', String(i)], ...(line.extra === undefined ? [] : [['e', line.extra] as [string, string]])] : [];
      // A line with no value after a sample of the same series: the case the library merged.
      if (line.kind === 'no value' && line.sameAsBefore && last) ({ name, labels } = last);
      const series = `${line.indent}${name}${labels.length ? line.braceGap : ''}${labelText(labels)}`;
      if (line.kind === 'no value') {
        texts.push(`${series}${line.trailing}`);
        return;
      }
      if (labels.length === 0) unlabelled.add(name);
      texts.push(`${series}${line.gap}${number(line.value)}${line.trailing}`);
      samples.push({ name, labels: Object.fromEntries(labels), value: line.value });
      last = { name, labels };
    });
    return { text: texts.join(lineEnd) + (finalLineEnd ? lineEnd : ''), samples };
  }

  it('an exposition with indented lines and comments, whitespace the library trims, comments of any shape and lines with no value gives exactly its valued samples, with `only` those of the names kept', () => {
    const only = familyNames(['m', 'n']);
    fc.assert(
      fc.property(fc.array(messyLine, { maxLength: 14 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), (lines, lineEnd, finalLineEnd) => {
        const { text, samples } = renderMessy(lines, lineEnd, finalLineEnd);
        expect(canonical(parsePromSamples(text))).toEqual(canonical(samples));
        expect(canonical(parsePromSamples(text, only))).toEqual(canonical(samples.filter((sample) => only.has(sample.name))));
      }),
      propertySettings(400),
    );
  });

  it('a line with no value never yields a sample, nor changes the sample of the same series before it, with or without `only`', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z_:][a-z0-9_:]{0,8}$/), labelSet, indent, braceGap, trailing, sampleValue, (name, labels, before, gap, after, value) => {
        const noValue = `${before}${name}${labels.length ? gap : ''}${labelText(labels)}${after}`;
        const sample = { name, labels: Object.fromEntries(labels), value };
        for (const only of [undefined, new Set([name])]) {
          expect(parsePromSamples(`${noValue}\n`, only)).toEqual([]);
          expect(parsePromSamples(noValue, only)).toEqual([]);
          expect(canonical(parsePromSamples(`${name}${labelText(labels)} ${number(value)}\n${noValue}\n`, only))).toEqual(canonical([sample]));
        }
      }),
      propertySettings(300),
    );
  });

  it('familyNames gives each name with every suffix a counter or histogram family exposes, and nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), { maxLength: 5 }), (names) => {
        const all = familyNames(names);
        for (const name of names) for (const suffix of ['', '_bucket', '_sum', '_count', '_total']) expect(all.has(`${name}${suffix}`)).toBe(true);
        for (const member of all) expect(names.some((name) => ['', '_bucket', '_sum', '_count', '_total'].some((suffix) => member === `${name}${suffix}`))).toBe(true);
      }),
      propertySettings(100),
    );
  });
});

describe('counters read from an exposition, as properties', () => {
  /** Any reading at all: a counter's, or a negative, NaN or infinite one, as a garbled exposition may give. */
  const anyReading = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e15, noNaN: true }), fc.double(), fc.integer({ min: -1000, max: 1000 }));

  it('an increase is unknown exactly when a reading is below 0 or not finite; otherwise it is now − before, or now after a restart (a smaller reading)', () => {
    fc.assert(
      fc.property(anyReading, anyReading, (before, now) => {
        const increase = counterIncrease(before, now);
        if (!isCounterReading(before) || !isCounterReading(now)) expect(increase).toBeUndefined();
        else expect(increase).toBe(now >= before ? now - before : now);
      }),
      propertySettings(1000),
    );
  });

  it('a rate from any two readings is left out or is a number not below 0 (never negative, never NaN), and is given whenever both are counter readings', () => {
    fc.assert(
      fc.property(anyReading, anyReading, anyReading, anyReading, anyReading, anyReading, fc.double({ min: 0.001, max: 3600, noNaN: true }), (r0, r1, e0, e1, j0, j1, elapsed) => {
        const stats = requestStats(countersSnapshot(100, r0, e0, j0), countersSnapshot(100 + elapsed, r1, e1, j1));
        for (const [rate, before, now] of [[stats.requestsPerSecond, r0, r1], [stats.errorsPerSecond, e0, e1], [stats.jobsPerSecond, j0, j1]] as const) {
          if (rate !== undefined) expect(rate).toBeGreaterThanOrEqual(0);
          if (isCounterReading(before) && isCounterReading(now)) expect(rate).toBeDefined();
          else expect(rate).toBeUndefined();
        }
      }),
      propertySettings(500),
    );
  });

  it('a request counter summed over its series (per status, route) is rated only when every series of both scrapes is a counter reading; a gauge summed so is known only when every series is', () => {
    // Values whose sums stay finite: an overflow to Infinity is not what this is about.
    const seriesValue = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e15, noNaN: true }).map((n) => n + 0), fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5));
    const series = fc.array(fc.record({ value: seriesValue, serverError: fc.boolean() }), { maxLength: 3 });
    const text = (requests: readonly { value: number; serverError: boolean }[], queue: readonly number[]) =>
      [...requests.map((one, i) => `http_requests_total{route="/${i}",status="${one.serverError ? 503 : 200}"} ${number(one.value)}`), ...queue.map((value, i) => `job_queue_depth{type="${i}"} ${number(value)}`)].join('\n') + '\n';
    const names = familyNames(['http_requests_total', 'job_queue_depth']);
    const snapshot = (body: string, at: number) => snapshotFromSamples(parsePromSamples(body, names), defaultRequestMetricNames, at, 1_700_000_000 + at);
    /** The series' total as the rate sees it: none exposed is 0 (appeared since), one unreadable is no total at all. */
    const total = (values: readonly number[]) => (values.every(isCounterReading) ? values.reduce((a, b) => a + b, 0) : Number.NaN);
    fc.assert(
      fc.property(series, series, fc.array(seriesValue, { maxLength: 3 }), fc.double({ min: 0.001, max: 3600, noNaN: true }), (before, now, queue, step) => {
        const stats = requestStats(snapshot(text(before, []), 100), snapshot(text(now, queue), 100 + step));
        const elapsed = 100 + step - 100;
        const values = (list: typeof before, errorsOnly = false) => list.filter((one) => !errorsOnly || one.serverError).map((one) => one.value);
        const allReadings = [...values(before), ...values(now)].every(isCounterReading);
        const increase = now.length === 0 ? undefined : counterIncrease(total(values(before)), total(values(now)));
        expect(stats.requestsPerSecond).toBe(increase === undefined ? undefined : increase / elapsed);
        if (!allReadings) expect(stats.requestsPerSecond).toBeUndefined();
        // Errors are the 5xx part of the requests: known with them, and only then.
        const errors = counterIncrease(total(values(before, true)), total(values(now, true)));
        expect(stats.errorsPerSecond).toBe(increase === undefined || errors === undefined ? undefined : errors / elapsed);
        expect(stats.queueDepthJobs).toBe(queue.length > 0 && queue.every(isCounterReading) ? queue.reduce((a, b) => a + b, 0) : undefined);
      }),
      propertySettings(500),
    );
  });

  it('a histogram\'s increase from any bucket counts is empty or finite and not below 0 in every bucket; from counter readings, it has every current bucket', () => {
    const counts = fc.array(anyReading, { minLength: BOUNDS.length + 1, maxLength: BOUNDS.length + 1 });
    const histogram = (values: readonly number[]) => new Map([...BOUNDS, Number.POSITIVE_INFINITY].map((bound, i) => [bound, values[i] as number]));
    fc.assert(
      fc.property(fc.option(counts, { nil: undefined }), counts, (before, now) => {
        const increase = histogramIncrease(before && histogram(before), histogram(now));
        for (const value of increase.values()) expect(isCounterReading(value), String(value)).toBe(true);
        if ([...(before ?? []), ...now].every(isCounterReading)) expect([...increase.keys()]).toEqual([...BOUNDS, Number.POSITIVE_INFINITY]);
        else expect(increase.size).toBe(0);
      }),
      propertySettings(500),
    );
  });
});

describe('cgroup files, as properties', () => {
  const numberish = fc.oneof(
    fc.maxSafeNat().map(String),
    fc.constantFrom('-5', '-1', '1e400', '-1e400', '1e3', '12abc', '0x10', '', ' ', '+7', '1.5', 'max', 'NaN', 'Infinity', '\u00a05', '9223372036854771712', '1'.repeat(400)),
    fc.string({ unit: fc.constantFrom('0', '1', '9', '-', '+', '.', 'e', 'x', ' ', '\t', '\r', 'a', '\u00a0'), maxLength: 12 }),
  );
  const keys = fc.constantFrom('usage_usec', 'nr_periods', 'nr_throttled', 'throttled_usec', 'throttled_time', 'anon', 'file', 'inactive_file', 'oom_kill', 'rss', 'cache', 'total_rss', 'total_cache', 'total_inactive_file');
  /** Any text a cgroup file of any kind might hold, garbled or foreign, or anything at all. */
  const fileText = fc.oneof(
    numberish,
    numberish.map((text) => `${text}\n`),
    fc.tuple(numberish, numberish).map(([max, period]) => `${max} ${period}\n`),
    fc.array(fc.tuple(keys, numberish), { maxLength: 6 }).map((pairs) => pairs.map(([key, value]) => `${key} ${value}\n`).join('')),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const isReading = (value: number | undefined) => value === undefined || (Number.isFinite(value) && value >= 0);
  const files = <N extends string>(names: readonly N[]) => fc.record(Object.fromEntries(names.map((name) => [name, fc.option(fileText, { nil: undefined })])) as Record<N, fc.Arbitrary<string | undefined>>, { requiredKeys: [] });
  const numbersOf = (readings: CgroupReadings) => Object.entries(readings).filter((entry): entry is [string, number | undefined] => entry[0] !== 'source');

  it('any text, of any file kind, reads as numbers that are finite and not below 0, or as unknown; and a single number only from decimal digits', () => {
    fc.assert(
      fc.property(fc.option(fileText, { nil: undefined }), (text) => {
        const single = parseSingleNumber(text);
        expect(isReading(single), String(single)).toBe(true);
        if (single !== undefined) expect(text).toMatch(/^[ \t\r\n]*[0-9]+[ \t\r\n]*$/);
        for (const value of parseKeyValues(text).values()) expect(isReading(value), String(value)).toBe(true);
        const cores = parseCpuMax(text);
        expect(isReading(cores), String(cores)).toBe(true);
      }),
      propertySettings(1000),
    );
  });

  it('the v1 and v2 readers, on any text in any of their files, give readings that are finite and not below 0 (limits possibly unknown), or none; never a throw', () => {
    fc.assert(
      fc.property(files<V2FileName>(v2Files), files<V1FileName>(Object.values(v1Files).flat()), (v2, v1) => {
        for (const readings of [parseCgroupV2(v2 as Partial<Record<V2FileName, string>>), parseCgroupV1(v1 as Partial<Record<V1FileName, string>>)]) {
          if (readings) for (const [key, value] of numbersOf(readings)) expect(isReading(value), `${key} = ${String(value)}`).toBe(true);
        }
      }),
      propertySettings(1000),
    );
  });

  it('a non-negative safe integer, written as the kernel writes it, reads back exactly, in every file kind', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n, period) => {
        expect(parseSingleNumber(`${n}\n`)).toBe(n);
        expect(parseKeyValues(`anon 1\ninactive_file ${n}\nfile 2\n`).get('inactive_file')).toBe(n);
        expect(parseCpuMax(`${n} ${period}\n`)).toBe(n > 0 ? n / period : undefined);
        const v2 = parseCgroupV2({ 'cpu.stat': `usage_usec ${n}\nnr_periods ${n}\n`, 'memory.current': `${n}\n`, 'memory.max': `${n}\n`, 'memory.events': `oom_kill ${n}\n` });
        expect(v2).toMatchObject({ cpuUsageSeconds: n / 1e6, cpuPeriods: n, memoryUsageBytes: n, memoryLimitBytes: n, oomKills: n });
        const v1 = parseCgroupV1({ 'cpuacct.usage': `${n}\n`, 'memory.usage_in_bytes': `${n}\n`, 'memory.limit_in_bytes': `${n}\n`, 'memory.oom_control': `oom_kill_disable 0\nunder_oom 0\noom_kill ${n}\n` });
        expect(v1).toMatchObject({ cpuUsageSeconds: n / 1e9, memoryUsageBytes: n, memoryLimitBytes: n, oomKills: n });
      }),
      propertySettings(500),
    );
  });
});

describe('the Docker stats API answer (the fallback), as properties', () => {
  /** What a field of the JSON answer may hold: Docker's unsigned integers, or anything a broken or foreign engine sends. */
  const anyJson = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.double(), fc.integer({ min: -1000, max: 1000 }), fc.constantFrom<unknown>(null, '5', true, undefined, {}));
  const answer = fc.record(
    {
      cpu_stats: fc.record({ cpu_usage: fc.record({ total_usage: anyJson }), throttling_data: fc.record({ periods: anyJson, throttled_periods: anyJson, throttled_time: anyJson }, { requiredKeys: [] }) }, { requiredKeys: ['cpu_usage'] }),
      memory_stats: fc.record({ usage: anyJson, limit: anyJson, stats: fc.dictionary(fc.constantFrom('total_inactive_file', 'inactive_file', 'total_rss', 'rss', 'anon', 'total_cache', 'cache', 'file'), anyJson) }, { requiredKeys: ['usage'] }),
    },
    { requiredKeys: [] },
  );
  const isDockerInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
  const numbersAreReadings = (values: object) => {
    for (const [key, value] of Object.entries(values)) if (typeof value === 'number' || value === undefined) expect(value === undefined || isCounterReading(value), `${key} = ${String(value)}`).toBe(true);
  };

  it('any answer gives readings that are finite and not below 0, or unknown, and none at all exactly when its CPU or memory usage is not an unsigned integer; two of them never give a negative or non-finite CPU rate or memory, nor a memory limit as large as the host\'s memory', () => {
    fc.assert(
      fc.property(answer, answer, fc.option(fc.double({ min: 0.01, max: 64, noNaN: true }), { nil: undefined }), fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }), (first, second, cpuLimitCores, hostMemoryBytes) => {
        const readings = [first, second].map((one) => readingsFromDockerStats(one, cpuLimitCores, hostMemoryBytes));
        [first, second].forEach((one, i) => {
          const usable = isDockerInteger(one.cpu_stats?.cpu_usage.total_usage) && isDockerInteger(one.memory_stats?.usage);
          expect(readings[i] !== undefined).toBe(usable);
          if (readings[i]) numbersAreReadings(readings[i]);
          const limit = readings[i]?.memoryLimitBytes;
          if (limit !== undefined && hostMemoryBytes !== undefined) expect(limit).toBeLessThan(hostMemoryBytes);
        });
        const [before, now] = readings;
        if (before && now) numbersAreReadings(deriveContainerStats({ ...before, monotonicSeconds: 1 }, { ...now, monotonicSeconds: 2 }));
      }),
      propertySettings(500),
    );
  });
});

describe('parseTargetLabels, as properties', () => {
  const value = fc.oneof(fc.constantFrom('', ' ', 'web', ' api ', 'true', 'TRUE', ' True ', 'false', '8080', ' 9100 ', '0', '65535', '65536', '-1', '80.5', '1e3', '0x50', 'NaN', 'Infinity', 'metrics', '/metrics', 'x/y'), fc.string({ maxLength: 8 }), fc.integer({ min: -10, max: 70_000 }).map(String));
  const key = fc.constantFrom('scalewright.service', 'scalewright.metrics.port', 'scalewright.metrics.path', 'scalewright.managed', 'scalewright.replica', 'com.docker.compose.container-number', 'com.docker.swarm.task.slot', 'com.docker.compose.service', '__proto__', 'toString');
  const labelMap = fc.dictionary(key, value, { maxKeys: 8 });

  it('any label map gives undefined (no service) or a target with a trimmed service, a valid port number and a path from `/`; never a throw', () => {
    fc.assert(
      fc.property(labelMap, (labels) => {
        const target = parseTargetLabels(labels);
        const service = Object.hasOwn(labels, 'scalewright.service') ? labels['scalewright.service']?.trim() : undefined;
        if (!service) {
          expect(target).toBeUndefined();
          return;
        }
        expect(target?.service).toBe(service);
        expect(target?.managed).toBe(labels['scalewright.managed']?.trim().toLowerCase() === 'true');
        const metrics = target?.metrics;
        if (metrics !== undefined) {
          expect(Number.isInteger(metrics.port) && metrics.port >= 1 && metrics.port <= 65_535).toBe(true);
          expect(metrics.path.startsWith('/')).toBe(true);
        } else {
          expect(Object.hasOwn(labels, 'scalewright.metrics.port') && /^\s*\d+\s*$/.test(labels['scalewright.metrics.port'] as string) && Number(labels['scalewright.metrics.port']) >= 1 && Number(labels['scalewright.metrics.port']) <= 65_535).toBe(false);
        }
      }),
      propertySettings(300),
    );
  });

  it('a service with a port from 1 to 65535 (blanks around it allowed) is scraped on that port, at the path given or /metrics', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.integer({ min: 1, max: 65_535 }), fc.option(fc.stringMatching(/^\/?[a-z/]{1,10}$/), { nil: undefined }), (service, port, path) => {
        const labels: Record<string, string> = { 'scalewright.service': service, 'scalewright.metrics.port': ` ${port} ` };
        if (path !== undefined) labels['scalewright.metrics.path'] = path;
        const expectedPath = path === undefined ? '/metrics' : path.startsWith('/') ? path : `/${path}`;
        expect(parseTargetLabels(labels)?.metrics).toEqual({ port, path: expectedPath });
      }),
      propertySettings(200),
    );
  });
});
