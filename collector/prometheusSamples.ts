import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One sample line of a Prometheus text exposition: `name{labels} value`. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * Every sample of a Prometheus text exposition, flat. Tokenising (escapes, label quoting, +Inf)
 * is left to parse-prometheus-text-format; its grouping of histograms and summaries, though,
 * merges series that differ by labels other than `le` (prom-client's per-route histograms), so
 * their TYPE lines are withheld and the `_bucket`/`_sum`/`_count` lines come through as plain
 * samples, to be grouped by `histogramBuckets`.
 *
 * With `only`, lines of other metrics are skipped before parsing: an app's exposition is mostly
 * runtime metrics (GC, heap, event loop) the collector does not use, and parsing them would be
 * most of its CPU.
 */
export function parsePromSamples(text: string, only?: ReadonlySet<string>): PromSample[] {
  // A line end after the last line: parse-prometheus-text-format writes a family out when the
  // next one starts or at the last line, so a sample on the last line itself would be lost.
  const kept = only ? keepLinesOf(text, only) : `${text.replace(/^#\s*TYPE\s+\S+\s+(histogram|summary)\s*$/gim, '')}\n`;
  const samples: PromSample[] = [];
  for (const family of parsePrometheusTextFormat(kept)) {
    for (const metric of family.metrics) {
      if (metric.value === undefined) continue;
      samples.push({ name: family.name, labels: metric.labels ?? {}, value: parsePromNumber(metric.value) });
    }
  }
  return samples;
}

/** Sample lines whose metric name is in `names` (comments dropped: samples are read untyped). */
function keepLinesOf(text: string, names: ReadonlySet<string>): string {
  const kept: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.charCodeAt(start) !== 35 /* # */ && end > start) {
      let nameEnd = start;
      while (nameEnd < end) {
        const code = text.charCodeAt(nameEnd);
        if (code === 123 /* { */ || code === 32 /* space */ || code === 9 /* tab */) break;
        nameEnd++;
      }
      if (names.has(text.slice(start, nameEnd))) kept.push(text.slice(start, end));
    }
    start = end + 1;
  }
  return kept.length ? `${kept.join('\n')}\n` : '';
}

/** Every sample name a histogram or counter family may expose under `name`. */
export function familyNames(names: readonly string[]): Set<string> {
  return new Set(names.flatMap((name) => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`, `${name}_total`]));
}

function parsePromNumber(text: string): number {
  if (/^\+?Inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-Inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Cumulative bucket counts by upper bound (`le`), summed over every label set of the histogram. */
export function histogramBuckets(samples: readonly PromSample[], histogram: string): Map<number, number> {
  const buckets = new Map<number, number>();
  const bucketName = `${histogram}_bucket`;
  for (const sample of samples) {
    if (sample.name !== bucketName) continue;
    const le = sample.labels.le;
    if (le === undefined) continue;
    const bound = parsePromNumber(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
  }
  return buckets;
}

/** Sum of a counter's or gauge's samples whose labels pass `filter`; undefined when none exist. */
export function sumSamples(samples: readonly PromSample[], name: string, filter: (labels: Readonly<Record<string, string>>) => boolean = () => true): number | undefined {
  let total: number | undefined;
  for (const sample of samples) {
    if (sample.name === name && filter(sample.labels) && Number.isFinite(sample.value)) total = (total ?? 0) + sample.value;
  }
  return total;
}
