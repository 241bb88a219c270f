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
 */
export function parsePromSamples(text: string): PromSample[] {
  const withoutGroupedTypes = text.replace(/^#\s*TYPE\s+\S+\s+(histogram|summary)\s*$/gim, '');
  const samples: PromSample[] = [];
  for (const family of parsePrometheusTextFormat(withoutGroupedTypes)) {
    for (const metric of family.metrics) {
      if (metric.value === undefined) continue;
      samples.push({ name: family.name, labels: metric.labels ?? {}, value: parsePromNumber(metric.value) });
    }
  }
  return samples;
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
