import type { ServiceHistory } from '../../../scaler/report/model.js';

/**
 * A service's history as the report's pure parts take it: service `web`, 1 s buckets, every series
 * empty, no signal, no decision; a test gives only what it is about.
 */
export function serviceHistory(overrides: Partial<ServiceHistory> = {}): ServiceHistory {
  return {
    service: 'web',
    bucketSeconds: 1,
    replicas: [],
    cpuLimitPerReplicaCores: [],
    cpuUsedPerReplicaCores: [],
    memoryLimitPerReplicaBytes: [],
    memoryUsedPerReplicaBytes: [],
    requestsPerSecond: [],
    latencyP95Seconds: [],
    signal: undefined,
    decisions: [],
    ...overrides,
  };
}
