import type { ScrapeSnapshot } from '../../../collector/requestMetrics.js';

/** A replica's scrape at `monotonicSeconds` holding only these counters: no histogram, gauge or start time. */
export function countersSnapshot(monotonicSeconds: number, requestsTotal: number | undefined, errorsTotal: number | undefined, jobsTotal?: number): ScrapeSnapshot {
  return {
    monotonicSeconds,
    wallSeconds: 1_700_000_000 + monotonicSeconds,
    requestsTotal,
    errorsTotal,
    latency: new Map(),
    jobDuration: new Map(),
    jobLeadTime: new Map(),
    jobsTotal,
    inFlight: undefined,
    queueDepth: undefined,
    processStartSeconds: undefined,
  };
}
