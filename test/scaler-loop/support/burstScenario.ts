/**
 * The scenario the loop tests share: `web`, 2 replicas of 0.5 cores and 256 MiB, targeting 40
 * requests/s a replica, whose last five minutes were 60 requests/s and then a burst to 500 in the
 * last ten seconds: a scale-out, whatever else a test is about.
 */
import type { WindowRow } from '../../../common/influx/index.js';
import type { ServiceState } from '../../../scaler/actuators/actuator.js';

export const MiB = 2 ** 20;
/** The loop's clock in these tests. */
export const now = 1_800_000_000_000;

export const burstServiceState = (service: string): ServiceState => ({ service, replicas: 2, readyReplicas: 2, cpuLimitCores: 0.5, memoryLimitBytes: 256 * MiB, converging: false, members: [], labels: { 'scalewright.target.rps-per-replica': '40' } });

/** One second of the service at 60 requests/s, as the collector writes it. */
export const steadyValues = { replicas: 2, cpu_usage_cores: 0.5, cpu_limit_cores: 1, cpu_fraction_of_limit: 0.5, cpu_throttled_fraction: 0, memory_working_set_bytes: 2 * 200 * MiB, memory_limit_bytes: 2 * 256 * MiB, memory_fraction_of_limit_max: 0.78, oom_kills_total: 0, requests_per_second: 60 };

/** Five minutes of 60 requests/s for 2 replicas at 40 each, then a burst to 500: a scale-out. */
export const burstRows: WindowRow[] = Array.from({ length: 300 }, (_, i) => ({ time: now - (299 - i) * 1000, values: { ...steadyValues, requests_per_second: i >= 290 ? 500 : 60 } }));
