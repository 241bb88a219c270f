import { describe, expect, it } from 'vitest';
import { histogramIncrease, histogramQuantile } from '../../../collector/histogramQuantile.js';
import { histogramBuckets, parsePromSamples } from '../../../collector/prometheusSamples.js';
import { counterIncrease, defaultRequestMetricNames, errorFraction, requestStats, snapshotFromSamples } from '../../../collector/requestMetrics.js';

const exposition = (ok: number, errors: number, fastA: number, totalA: number, fastB: number, totalB: number, start = 1000) => `
# HELP http_requests_total HTTP requests answered
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/a",status="200"} ${ok}
http_requests_total{method="GET",route="/a",status="404"} 5
http_requests_total{method="POST",route="/b",status="503"} ${errors}
# HELP http_request_duration_seconds Time to answer
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1",method="GET",route="/a"} ${fastA}
http_request_duration_seconds_bucket{le="1",method="GET",route="/a"} ${totalA}
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/a"} ${totalA}
http_request_duration_seconds_sum{method="GET",route="/a"} 1
http_request_duration_seconds_count{method="GET",route="/a"} ${totalA}
http_request_duration_seconds_bucket{le="0.1",method="POST",route="/b"} ${fastB}
http_request_duration_seconds_bucket{le="1",method="POST",route="/b"} ${totalB}
http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/b"} ${totalB}
http_request_duration_seconds_sum{method="POST",route="/b"} 1
http_request_duration_seconds_count{method="POST",route="/b"} ${totalB}
# TYPE job_queue_depth gauge
job_queue_depth{type="a"} 3
job_queue_depth{type="b"} 4
# TYPE process_start_time_seconds gauge
process_start_time_seconds ${start}
`;

describe('Prometheus text', () => {
  it('keeps every labelled series of a histogram (prom-client writes one per route)', () => {
    const buckets = histogramBuckets(parsePromSamples(exposition(0, 0, 10, 20, 1, 5)), 'http_request_duration_seconds');
    expect([...buckets]).toEqual([[0.1, 11], [1, 25], [Number.POSITIVE_INFINITY, 25]]);
  });

  it('leaves out a bucket whose bound is not a number (le="abc"), rather than sorting a NaN among the bounds', () => {
    const buckets = histogramBuckets(parsePromSamples('h_bucket{le="abc"} 4\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\n'), 'h');
    expect([...buckets]).toEqual([[1, 2], [Number.POSITIVE_INFINITY, 3]]);
  });

  it('regression: sums a bucket to NaN, not to the other label sets\' count, when one label set\'s count is below 0 or not finite, so its latency is unknown', () => {
    // Route /b's -3 was added in: 10 − 3 = 7, a plausible bucket, and a quantile from it.
    const text = 'h_bucket{route="/a",le="1"} 10\nh_bucket{route="/b",le="1"} -3\nh_bucket{route="/a",le="+Inf"} 10\nh_bucket{route="/b",le="+Inf"} 1\n';
    const buckets = histogramBuckets(parsePromSamples(text), 'h');
    expect([...buckets]).toEqual([[1, Number.NaN], [Number.POSITIVE_INFINITY, 11]]);
    expect([...histogramIncrease(undefined, buckets)]).toEqual([]);
  });

  it('unescapes label values', () => {
    const [sample] = parsePromSamples('m{path="C:\\\\DIR",msg="say \\"hi\\""} 1\n');
    expect(sample?.labels).toEqual({ path: 'C:\\DIR', msg: 'say "hi"' });
  });
});

describe('histogram quantiles, as Prometheus computes them', () => {
  const h = (entries: Array<[number, number]>) => new Map(entries);
  it('interpolates inside the bucket the rank falls in', () => {
    const buckets = h([[0.1, 90], [0.5, 90], [1, 100], [Number.POSITIVE_INFINITY, 100]]);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.75, 12);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1 * (50 / 90), 12);
  });
  it('answers the highest finite bound when the rank is in the +Inf bucket', () => {
    expect(histogramQuantile(0.99, h([[1, 50], [Number.POSITIVE_INFINITY, 100]]))).toBe(1);
  });
  it('has no answer for an empty histogram', () => {
    expect(histogramQuantile(0.5, h([[1, 0], [Number.POSITIVE_INFINITY, 0]]))).toBeUndefined();
  });
  it('takes increases between scrapes, and the whole count after a reset', () => {
    expect([...histogramIncrease(h([[1, 5], [Number.POSITIVE_INFINITY, 9]]), h([[1, 7], [Number.POSITIVE_INFINITY, 12]]))]).toEqual([[1, 2], [Number.POSITIVE_INFINITY, 3]]);
    expect([...histogramIncrease(h([[1, 5], [Number.POSITIVE_INFINITY, 9]]), h([[1, 1], [Number.POSITIVE_INFINITY, 2]]))]).toEqual([[1, 1], [Number.POSITIVE_INFINITY, 2]]);
  });
  it('has no increase, rather than a negative bucket, when a bucket count is not a counter reading (below 0, NaN, infinite)', () => {
    // Read as a reset, `le="1"` at -3 was an increase of -3.
    expect([...histogramIncrease(h([[1, 0], [Number.POSITIVE_INFINITY, 0]]), h([[1, -3], [Number.POSITIVE_INFINITY, 10]]))]).toEqual([]);
    expect([...histogramIncrease(h([[1, -3], [Number.POSITIVE_INFINITY, 10]]), h([[1, 2], [Number.POSITIVE_INFINITY, 12]]))]).toEqual([]);
    expect([...histogramIncrease(undefined, h([[1, Number.NaN], [Number.POSITIVE_INFINITY, 10]]))]).toEqual([]);
    expect([...histogramIncrease(h([[1, 0], [Number.POSITIVE_INFINITY, 0]]), h([[1, 1], [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]]))]).toEqual([]);
  });
  it('keeps increases whose buckets fall as `le` grows (a scrape race), for the quantile to correct as Prometheus does', () => {
    expect([...histogramIncrease(h([[1, 0], [Number.POSITIVE_INFINITY, 0]]), h([[1, 5], [Number.POSITIVE_INFINITY, 4]]))]).toEqual([[1, 5], [Number.POSITIVE_INFINITY, 4]]);
  });
});

describe('request rates from two scrapes', () => {
  const snap = (text: string, at: number) => snapshotFromSamples(parsePromSamples(text), defaultRequestMetricNames, at, at + 1_000_000);

  it('gives requests, 5xx errors (not 4xx) and latency quantiles per second', () => {
    const stats = requestStats(snap(exposition(100, 10, 50, 60, 0, 10), 10), snap(exposition(140, 20, 86, 100, 0, 20), 12));
    expect(stats.requestsPerSecond).toBe(25);
    expect(stats.errorsPerSecond).toBe(5);
    expect(stats.errorFraction).toBe(0.2);
    // 50 new observations: 36 under 0.1 s, 14 in (0.1, 1].
    expect(stats.latencyP95Seconds).toBeCloseTo(0.1 + 0.9 * ((47.5 - 36) / 14), 12);
    expect(stats.queueDepthJobs).toBe(7);
  });

  it('handles a counter reset (replica restarted) by counting from zero', () => {
    expect(counterIncrease(100, 30)).toBe(30);
    const stats = requestStats(snap(exposition(1000, 0, 0, 0, 0, 0), 10), snap(exposition(30, 0, 0, 0, 0, 0), 11));
    expect(stats.requestsPerSecond).toBe(35);
  });

  it('gives no rate, rather than a negative one, when a counter reads below 0 or not finite (not a counter reading)', () => {
    // Read as a restart, 5 then -3 was an increase of -3, and -3 then 5 one of 8.
    expect(counterIncrease(5, -3)).toBeUndefined();
    expect(counterIncrease(-3, 5)).toBeUndefined();
    expect(counterIncrease(0, Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(counterIncrease(Number.NaN, 5)).toBeUndefined();
    const stats = requestStats(snap('http_requests_total{status="200"} 5\n', 10), snap('http_requests_total{status="200"} -3\n', 11));
    expect(stats.requestsPerSecond).toBeUndefined();
    expect(stats.errorFraction).toBeUndefined();
  });

  it('gives no error fraction, rather than one above 1, when errors outnumber requests (the error counter alone was reset)', () => {
    // 1,055 requests, 50 of them 503s, then 1,060 and 45: 5 more requests, and an error series that
    // fell, read as restarted, 45 errors.
    const stats = requestStats(snap(exposition(1000, 50, 0, 0, 0, 0), 10), snap(exposition(1010, 45, 0, 0, 0, 0), 11));
    expect(stats).toMatchObject({ requestsPerSecond: 5, errorsPerSecond: 45 });
    expect(stats.errorFraction).toBeUndefined();
    expect(errorFraction(10, 20)).toBeUndefined();
    expect(errorFraction(20, 20)).toBe(1);
    expect(errorFraction(0, 0)).toBe(0);
    expect(errorFraction(10, undefined)).toBeUndefined();
  });

  it('still reads a drop to a smaller reading of 0 or more as a restart from 0', () => {
    expect(counterIncrease(5, 0)).toBe(0);
    expect(counterIncrease(5, 3)).toBe(3);
  });

  it('rates a new replica from its start time when it started within the last minute', () => {
    const startedTenSecondsAgo = snapshotFromSamples(parsePromSamples(exposition(200, 0, 0, 0, 0, 0, 1000)), defaultRequestMetricNames, 50, 1010);
    expect(requestStats(undefined, startedTenSecondsAgo).requestsPerSecond).toBe(20.5);
  });

  it('gives no rate for a replica first seen long after it started', () => {
    const oldReplica = snapshotFromSamples(parsePromSamples(exposition(200, 0, 0, 0, 0, 0, 1000)), defaultRequestMetricNames, 50, 5000);
    const stats = requestStats(undefined, oldReplica);
    expect(stats.requestsPerSecond).toBeUndefined();
    expect(stats.queueDepthJobs).toBe(7);
  });
});

describe('a counter or gauge summed over its series (per status, route, queue)', () => {
  const snap = (text: string, at: number) => snapshotFromSamples(parsePromSamples(text), defaultRequestMetricNames, at, at + 1_000_000);
  const rates = (before: string, now: string) => requestStats(snap(before, 10), snap(now, 11));

  it('regression: gives no request rate when one series reads NaN or +Inf (it was left out, and the rate was the other series\' alone)', () => {
    // The 500 series was left out: 10 then 20, a rate of 10/s for a total that was not 20.
    for (const bad of ['NaN', '+Inf']) {
      const stats = rates('http_requests_total{status="200"} 10\n', `http_requests_total{status="200"} 20\nhttp_requests_total{status="500"} ${bad}\n`);
      expect(stats, bad).toMatchObject({ requestsPerSecond: undefined, errorsPerSecond: undefined, errorFraction: undefined });
    }
  });

  it('regression: gives no request rate when one series reads below 0 (it was added in, lowering the total)', () => {
    // 10 then 20 − 5 = 15: a rate of 5/s where the 200s alone went up by 10.
    const stats = rates('http_requests_total{status="200"} 10\nhttp_requests_total{status="500"} 0\n', 'http_requests_total{status="200"} 20\nhttp_requests_total{status="500"} -5\n');
    expect(stats).toMatchObject({ requestsPerSecond: undefined, errorsPerSecond: undefined, errorFraction: undefined });
  });

  it('gives no rate in the interval after an unreadable total either, rather than its whole count as an increase, and rates again after that', () => {
    const unreadable = snap('http_requests_total{status="200"} 1000\nhttp_requests_total{status="500"} NaN\n', 10);
    const readable = snap('http_requests_total{status="200"} 1010\nhttp_requests_total{status="500"} 1\n', 11);
    expect(requestStats(unreadable, readable).requestsPerSecond).toBeUndefined();
    expect(requestStats(readable, snap('http_requests_total{status="200"} 1020\nhttp_requests_total{status="500"} 1\n', 12)).requestsPerSecond).toBe(10);
  });

  it('still rates a counter whose series appear with their first request from 0, and counts no errors when no series is a 5xx one', () => {
    const stats = rates('job_queue_depth 0\n', 'http_requests_total{status="200"} 5\n');
    expect(stats).toMatchObject({ requestsPerSecond: 5, errorsPerSecond: 0, errorFraction: 0 });
  });

  it('gives no jobs rate when one series of the job histogram\'s _count reads below 0', () => {
    const stats = rates('job_execution_seconds_count{type="a"} 5\njob_execution_seconds_count{type="b"} 1\n', 'job_execution_seconds_count{type="a"} 9\njob_execution_seconds_count{type="b"} -1\n');
    expect(stats.jobsPerSecond).toBeUndefined();
  });

  it('regression: leaves queue depth, requests in flight and the start time unknown when one series is not finite or below 0, rather than summing the others', () => {
    // The queue of type b was left out (3) or added in (2); neither is the queue's depth.
    for (const bad of ['NaN', '+Inf', '-Inf', '-1']) {
      const snapshot = snap(`job_queue_depth{type="a"} 3\njob_queue_depth{type="b"} ${bad}\nhttp_requests_in_flight{route="/"} 2\nhttp_requests_in_flight{route="/x"} ${bad}\nprocess_start_time_seconds ${bad}\n`, 10);
      expect(snapshot, bad).toMatchObject({ queueDepth: undefined, inFlight: undefined, processStartSeconds: undefined });
    }
    expect(snap('job_queue_depth{type="a"} 3\njob_queue_depth{type="b"} 4\n', 10).queueDepth).toBe(7);
    expect(snap('http_requests_total{status="200"} 1\n', 10).queueDepth).toBeUndefined();
  });
});

describe('skipping what the collector does not use', () => {
  it('parses only the named metrics, and reads them exactly as a full parse does', async () => {
    const { sampleNamesUsed } = await import('../../../collector/requestMetrics.js');
    const text = `# HELP nodejs_heap_size_total_bytes Heap\n# TYPE nodejs_heap_size_total_bytes gauge\nnodejs_heap_size_total_bytes 123\nnodejs_gc_duration_seconds_bucket{le="0.1",kind="minor"} 4\n${exposition(100, 10, 50, 60, 0, 10)}`;
    const only = parsePromSamples(text, sampleNamesUsed(defaultRequestMetricNames));
    expect(only.some((sample) => sample.name.startsWith('nodejs_'))).toBe(false);
    const full = parsePromSamples(text).filter((sample) => !sample.name.startsWith('nodejs_'));
    expect(only).toEqual(full);
  });
});
