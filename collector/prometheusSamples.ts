import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { isCounterReading } from './counterReading.js';

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
 * only sample lines reach it, untyped, and the `_bucket`/`_sum`/`_count` lines come through as
 * plain samples, to be grouped by `histogramBuckets`.
 *
 * With `only`, lines of other metrics are skipped before parsing: an app's exposition is mostly
 * runtime metrics (GC, heap, event loop) the collector does not use, and parsing them would be
 * most of its CPU. Both ways pick lines alike, so `only` changes which samples come back, never
 * how one is read.
 */
export function parsePromSamples(text: string, only?: ReadonlySet<string>): PromSample[] {
  const samples: PromSample[] = [];
  for (const family of parsePrometheusTextFormat(sampleLines(text, only))) {
    for (const metric of family.metrics) {
      if (metric.value === undefined) continue;
      samples.push({ name: family.name, labels: metric.labels ?? {}, value: parsePromNumber(metric.value) });
    }
  }
  return samples;
}

/**
 * The sample lines of an exposition that have a value, of the metrics in `names` if given, each
 * trimmed as the library trims a line. Comments go: "# as the first non-whitespace character"
 * (text format 0.0.4), so an indented `# TYPE h histogram` is a comment too, and is not left for
 * the library to group `h`'s series by. Runs per scrape over every line: no regexes, and a slice
 * only for a line's name and for the lines kept.
 */
function sampleLines(text: string, names: ReadonlySet<string> | undefined): string {
  const kept: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const next = end + 1;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    if (start < end && text.charCodeAt(start) !== 35 /* # */) {
      let nameEnd = start;
      while (nameEnd < end) {
        const code = text.charCodeAt(nameEnd);
        if (code === 123 /* { */ || code === 32 /* space */ || code === 9 /* tab */) break;
        nameEnd++;
      }
      if (names === undefined || names.has(text.slice(start, nameEnd))) {
        while (isSpace(text.charCodeAt(end - 1))) end--;
        if (hasValue(text, nameEnd, end)) kept.push(text.slice(start, end));
      }
    }
    start = next;
  }
  // A line end after the last line: parse-prometheus-text-format writes a family out when the
  // next one starts or at the last line, so a sample on the last line itself would be lost.
  return kept.length ? `${kept.join('\n')}\n` : '';
}

// The states of hasValue, named after the part of the line it is in.
const AFTER_NAME = 0;
const LABELS = 1;
const LABEL_NAME = 2;
const EQUALS = 3;
const QUOTE = 4;
const LABEL_VALUE = 5;
const ESCAPED = 6;
const NEXT_LABEL = 7;
const AFTER_LABELS = 8;

/**
 * Whether a sample line, from the end of its name, goes on to a value: the library's own reading
 * of a line (its tokeniser's states, without the strings). It reads a line with none, such as
 * `m{a="b"}`, as the value '', which is 0 to Number() and, after a sample of the same labels,
 * replaces that sample's value; so such a line is not passed on. A line the library would refuse
 * counts as having a value, to be refused there as before.
 */
function hasValue(text: string, from: number, end: number): boolean {
  let state = AFTER_NAME;
  for (let i = from; i < end; i++) {
    const code = text.charCodeAt(i);
    const blank = code === 32 /* space */ || code === 9 /* tab */;
    switch (state) {
      case AFTER_NAME:
        if (code === 123 /* { */) state = LABELS;
        else if (!blank) return true;
        break;
      case LABELS:
        if (code === 125 /* } */) state = AFTER_LABELS;
        else if (!blank) state = LABEL_NAME;
        break;
      case LABEL_NAME:
        if (code === 61 /* = */) state = QUOTE;
        else if (code === 125 /* } */) state = AFTER_LABELS;
        else if (blank) state = EQUALS;
        break;
      case EQUALS:
        if (code === 61 /* = */) state = QUOTE;
        else if (!blank) return true;
        break;
      case QUOTE:
        if (code === 34 /* " */) state = LABEL_VALUE;
        else if (!blank) return true;
        break;
      case LABEL_VALUE:
        if (code === 92 /* \ */) state = ESCAPED;
        else if (code === 34 /* " */) state = NEXT_LABEL;
        break;
      case ESCAPED:
        state = LABEL_VALUE;
        break;
      case NEXT_LABEL:
        if (code === 44 /* , */) state = LABEL_NAME;
        else if (code === 125 /* } */) state = AFTER_LABELS;
        else if (!blank) return true;
        break;
      default: // AFTER_LABELS
        if (!blank) return true;
    }
  }
  return false;
}

/** What String.prototype.trim takes for whitespace, as the library trims each line with it (a BOM too). */
function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
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

/**
 * Cumulative bucket counts by upper bound (`le`), summed over every label set of the histogram.
 * A bucket with a count that is not a counter reading in any label set sums to NaN, not to the
 * others' count, so that histogramIncrease finds it unknown (as sumSamples does for a counter).
 */
export function histogramBuckets(samples: readonly PromSample[], histogram: string): Map<number, number> {
  const buckets = new Map<number, number>();
  const bucketName = `${histogram}_bucket`;
  for (const sample of samples) {
    if (sample.name !== bucketName) continue;
    const le = sample.labels.le;
    if (le === undefined) continue;
    const bound = parsePromNumber(le);
    // `le="abc"` bounds no bucket: as NaN it would sort anywhere among the others.
    if (Number.isNaN(bound)) continue;
    buckets.set(bound, isCounterReading(sample.value) ? (buckets.get(bound) ?? 0) + sample.value : Number.NaN);
  }
  return buckets;
}

/** Which series of a metric to take, by their labels. */
export type LabelFilter = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * Sum of the samples of `name` whose labels pass `filter`; undefined when none exist, and
 * undefined too when any of them is not finite or is below 0. Every metric the collector sums
 * (request and job counters, requests in flight, jobs queued, the process start time) counts
 * or dates something and cannot be below 0. A series left out would hide in a plausible total
 * (a partial sum under-reports), and a negative one added in would lower it: either way the
 * total, and a rate from it, would be wrong rather than absent.
 */
export function sumSamples(samples: readonly PromSample[], name: string, filter: LabelFilter = () => true): number | undefined {
  let total: number | undefined;
  for (const sample of samples) {
    if (sample.name !== name || !filter(sample.labels)) continue;
    if (!isCounterReading(sample.value)) return undefined;
    total = (total ?? 0) + sample.value;
  }
  return total;
}

/** Whether `name` has a sample, whatever its value. */
export function hasSamples(samples: readonly PromSample[], name: string): boolean {
  return samples.some((sample) => sample.name === name);
}
