import { isCounterReading } from './counterReading.js';
import { histogramIncrease, histogramQuantile } from './histogramQuantile.js';
import { familyNames, hasSamples, histogramBuckets, type PromSample, sumSamples } from './prometheusSamples.js';

/** Which exposed metrics mean what. Defaults match the app's prom-client names. */
export interface RequestMetricNames {
  /** Counter of answered requests, with a status label. */
  readonly requests: string;
  /** Labels tried, in order, for the HTTP status of a request sample. */
  readonly statusLabels: readonly string[];
  /** Histogram of request durations in seconds. */
  readonly latency: string;
  readonly inFlight: string;
  /** Gauge of jobs waiting in the queue. */
  readonly queueDepth: string;
  /** Histogram of job run time in seconds; its `_count` counts finished jobs. */
  readonly jobDuration: string;
  /** Histogram of job lead time (accepted → finished) in seconds. */
  readonly jobLeadTime: string;
  /** Gauge with the process start (epoch seconds), to rate a new replica's counters from its start. */
  readonly processStart: string;
}

export const defaultRequestMetricNames: RequestMetricNames = {
  requests: 'http_requests_total',
  statusLabels: ['status', 'code', 'status_code'],
  latency: 'http_request_duration_seconds',
  inFlight: 'http_requests_in_flight',
  queueDepth: 'job_queue_depth',
  jobDuration: 'job_execution_seconds',
  jobLeadTime: 'job_lead_time_seconds',
  processStart: 'process_start_time_seconds',
};

/** The sample names a scrape needs to keep (everything else in /metrics is skipped unparsed). */
export function sampleNamesUsed(names: RequestMetricNames): Set<string> {
  return familyNames([names.requests, names.latency, names.inFlight, names.queueDepth, names.jobDuration, names.jobLeadTime, names.processStart]);
}

/**
 * What one scrape says, reduced to the counters and gauges the collector uses. A counter total
 * is undefined when the app exposes none of its series (a labelled counter appears with its
 * first increment, so to the next scrape it was 0), and NaN when one of its series is not a
 * counter reading: then neither this scrape nor the next can be rated from it, where an
 * undefined total would be taken for 0 by the next scrape and its whole count read as an
 * increase. A gauge is undefined when it cannot be told, either way (see sumSamples).
 */
export interface ScrapeSnapshot {
  readonly monotonicSeconds: number;
  readonly wallSeconds: number;
  readonly requestsTotal: number | undefined;
  /** The 5xx part of requestsTotal: unknown with it, 0 when no series is a 5xx one. */
  readonly errorsTotal: number | undefined;
  readonly latency: ReadonlyMap<number, number>;
  readonly jobDuration: ReadonlyMap<number, number>;
  readonly jobLeadTime: ReadonlyMap<number, number>;
  readonly jobsTotal: number | undefined;
  readonly inFlight: number | undefined;
  readonly queueDepth: number | undefined;
  readonly processStartSeconds: number | undefined;
}

/** A 5xx answer is the service's failure; 4xx are the client's and do not count as errors. */
export function isServerError(status: string | undefined): boolean {
  return status !== undefined && /^5\d\d$/.test(status.trim());
}

export function snapshotFromSamples(samples: readonly PromSample[], names: RequestMetricNames, monotonicSeconds: number, wallSeconds: number): ScrapeSnapshot {
  const statusOf = (labels: Readonly<Record<string, string>>) => names.statusLabels.map((label) => labels[label]).find((value) => value !== undefined);
  const requestsTotal = counterTotal(samples, names.requests);
  return {
    monotonicSeconds,
    wallSeconds,
    requestsTotal,
    // Errors are rated against requests (error_fraction, and the service's sums): with the
    // requests unknown, a rate of errors alone would be set against the other replicas' requests.
    errorsTotal: requestsTotal === undefined || Number.isNaN(requestsTotal) ? requestsTotal : (sumSamples(samples, names.requests, (labels) => isServerError(statusOf(labels))) ?? 0),
    latency: histogramBuckets(samples, names.latency),
    jobDuration: histogramBuckets(samples, names.jobDuration),
    jobLeadTime: histogramBuckets(samples, names.jobLeadTime),
    jobsTotal: counterTotal(samples, `${names.jobDuration}_count`),
    inFlight: sumSamples(samples, names.inFlight),
    queueDepth: sumSamples(samples, names.queueDepth),
    processStartSeconds: sumSamples(samples, names.processStart),
  };
}

/** A counter summed over its series, as a ScrapeSnapshot keeps it: undefined with no series, NaN with an unreadable one. */
function counterTotal(samples: readonly PromSample[], name: string): number | undefined {
  if (!hasSamples(samples, name)) return undefined;
  return sumSamples(samples, name) ?? Number.NaN;
}

/** Per-interval request signals of one replica. Absent values mean "cannot tell", not zero. */
export interface RequestStats {
  readonly requestsPerSecond: number | undefined;
  readonly errorsPerSecond: number | undefined;
  readonly errorFraction: number | undefined;
  readonly latencyP50Seconds: number | undefined;
  readonly latencyP95Seconds: number | undefined;
  readonly latencyP99Seconds: number | undefined;
  readonly inFlightRequests: number | undefined;
  readonly queueDepthJobs: number | undefined;
  readonly jobsPerSecond: number | undefined;
  readonly jobDurationP95Seconds: number | undefined;
  readonly jobLeadTimeP95Seconds: number | undefined;
  /** Histogram increases over the interval, kept so a service's replicas can be merged. */
  readonly latencyIncrease: ReadonlyMap<number, number>;
  readonly jobDurationIncrease: ReadonlyMap<number, number>;
  readonly jobLeadTimeIncrease: ReadonlyMap<number, number>;
}

/**
 * The request signals a service has as well as each replica (merged over its replicas): all but
 * the in-flight count and the histogram increases the service's quantiles are merged from.
 */
export type RequestSignals = Omit<RequestStats, 'inFlightRequests' | 'latencyIncrease' | 'jobDurationIncrease' | 'jobLeadTimeIncrease'>;

/** A new replica's counters are rated from its start only if it started this recently. */
export const maxUptimeForRateFromStartSeconds = 60;

/**
 * Rates between two scrapes of one replica. A counter that went down was reset (the process
 * restarted): its whole current value is the increase. A counter read as negative or not finite
 * gives no rate. A replica seen for the first time has no rate, unless it exposes its start time
 * and started within the last minute: then its counters are rated from zero at start, so a new
 * replica's first requests are not lost.
 */
export function requestStats(previous: ScrapeSnapshot | undefined, current: ScrapeSnapshot): RequestStats {
  const baseline = baselineFor(previous, current);
  const elapsed = baseline ? current.monotonicSeconds - baseline.monotonicSeconds : 0;
  const rate = (now: number | undefined, before: number | undefined) => {
    // No series before (undefined): the counter has appeared since, so it was 0 then.
    const increase = baseline && elapsed > 0 && now !== undefined ? counterIncrease(before ?? 0, now) : undefined;
    return increase === undefined ? undefined : increase / elapsed;
  };
  const requestsPerSecond = rate(current.requestsTotal, baseline?.requestsTotal);
  const errorsPerSecond = rate(current.errorsTotal, baseline?.errorsTotal);
  const latencyIncrease = baseline ? histogramIncrease(baseline.latency, current.latency) : new Map<number, number>();
  const jobDurationIncrease = baseline ? histogramIncrease(baseline.jobDuration, current.jobDuration) : new Map<number, number>();
  const jobLeadTimeIncrease = baseline ? histogramIncrease(baseline.jobLeadTime, current.jobLeadTime) : new Map<number, number>();
  return {
    requestsPerSecond,
    errorsPerSecond,
    errorFraction: errorFraction(requestsPerSecond, errorsPerSecond),
    latencyP50Seconds: histogramQuantile(0.5, latencyIncrease),
    latencyP95Seconds: histogramQuantile(0.95, latencyIncrease),
    latencyP99Seconds: histogramQuantile(0.99, latencyIncrease),
    inFlightRequests: current.inFlight,
    queueDepthJobs: current.queueDepth,
    jobsPerSecond: rate(current.jobsTotal, baseline?.jobsTotal),
    jobDurationP95Seconds: histogramQuantile(0.95, jobDurationIncrease),
    jobLeadTimeP95Seconds: histogramQuantile(0.95, jobLeadTimeIncrease),
    latencyIncrease,
    jobDurationIncrease,
    jobLeadTimeIncrease,
  };
}

function baselineFor(previous: ScrapeSnapshot | undefined, current: ScrapeSnapshot): ScrapeSnapshot | undefined {
  if (previous) return previous;
  const start = current.processStartSeconds;
  if (start === undefined) return undefined;
  const uptime = current.wallSeconds - start;
  if (!(uptime > 0) || uptime > maxUptimeForRateFromStartSeconds) return undefined;
  // Everything was zero when the process started.
  return {
    monotonicSeconds: current.monotonicSeconds - uptime,
    wallSeconds: start,
    requestsTotal: 0,
    errorsTotal: 0,
    latency: new Map(),
    jobDuration: new Map(),
    jobLeadTime: new Map(),
    jobsTotal: 0,
    inFlight: undefined,
    queueDepth: undefined,
    processStartSeconds: start,
  };
}

/**
 * The share of requests that failed: 0 with no requests, unknown without an error rate. An error
 * rate above the request rate is no share (the error counter was reset while the request counter
 * was not, or the two count different things): unknown rather than a fraction above 1.
 */
export function errorFraction(requestsPerSecond: number | undefined, errorsPerSecond: number | undefined): number | undefined {
  if (requestsPerSecond === 0) return 0;
  if (requestsPerSecond === undefined || errorsPerSecond === undefined || errorsPerSecond > requestsPerSecond) return undefined;
  return errorsPerSecond / requestsPerSecond;
}

/**
 * Increase of a counter; a decrease means it restarted from 0, so the current value is the
 * increase. A negative or non-finite reading (before or now) is not a counter reading, so the
 * increase is unknown: read as a restart it would give a negative rate, or an infinite one.
 */
export function counterIncrease(before: number, now: number): number | undefined {
  if (!isCounterReading(before) || !isCounterReading(now)) return undefined;
  return now >= before ? now - before : now;
}
