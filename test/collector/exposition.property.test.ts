import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTargetLabels } from '../../collector/labels.js';
import { familyNames, histogramBuckets, parsePromSamples, sumSamples, type PromSample } from '../../collector/prometheusSamples.js';
import { propertySettings } from '../support/properties.js';

/**
 * Property tests of the collector's reading of a Prometheus text exposition
 * (`collector/prometheusSamples.ts`) and of a container's platform labels (`collector/labels.ts`).
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

  it('an empty HELP line fails the whole text without `only` (the library\'s rule), and is skipped with `only`, as the collector reads', () => {
    // Pinned, not endorsed: Prometheus's own parser takes `# HELP name` with no text; the
    // collector always passes `only`, which drops comments before the library sees them.
    expect(() => parsePromSamples('# HELP a \na 1\n')).toThrow(/Encountered invalid line: # HELP a/);
    expect(parsePromSamples('# HELP a \na 1\n', new Set(['a']))).toEqual([{ name: 'a', labels: {}, value: 1 }]);
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

  it('a histogram\'s buckets, summed over its label sets, are the generated cumulative counts summed by bound; and a counter\'s sum is its series\' sum', () => {
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
            // Infinite values (a gauge at +Inf) are left out of a sum; none left is undefined, not 0.
            const finite = f.series.map((s) => s.value).filter(Number.isFinite);
            const sum = sumSamples(samples, f.name);
            if (finite.length === 0) expect(sum).toBeUndefined();
            else expect(sum).toBe(finite.reduce((a, b) => a + b, 0));
            // A filter keeps the series whose labels pass it, and nothing else.
            const first = f.series[0]?.labels[0];
            if (first) {
              const passing = f.series.filter((s) => s.labels.some(([n, v]) => n === first[0] && v === first[1])).map((s) => s.value).filter(Number.isFinite);
              const filtered = sumSamples(samples, f.name, (labels) => labels[first[0]] === first[1]);
              if (passing.length === 0) expect(filtered).toBeUndefined();
              else expect(filtered).toBe(passing.reduce((a, b) => a + b, 0));
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
