/**
 * The stored schema: what the collector writes and the scaler (and Grafana) read. Names here are
 * a contract: renaming one breaks dashboards and the scaler's queries, so add, never rename.
 * Units are in field names (`_bytes`, `_seconds`, `_cores`, `_per_second`, `_fraction`).
 */

export const Measurement = {
  /** One point per container per interval, from its cgroup. */
  containerStats: 'container_stats',
  /** One point per container per interval, from its /metrics (only containers that expose one). */
  containerRequests: 'container_requests',
  /** One point per service per interval: replicas and the sums/merges over them. */
  serviceStats: 'service_stats',
  /** Written by the scaler: one point per decision (also shown as Grafana annotations). */
  scalerDecision: 'scaler_decision',
  /** Written by the scaler: the smoothed signal it decided on and its target, per evaluation. */
  scalerSignal: 'scaler_signal',
} as const;

export const Tag = {
  service: 'service',
  /** Container name without the leading slash. */
  container: 'container',
  /** The first 12 hex digits of the container id. */
  containerId: 'container_id',
  /** Replica number (compose container-number, swarm task slot) or the container name. */
  replica: 'replica',
  /** Host name of the collector's Docker engine. */
  host: 'host',
  /** `true` when the scaler may act on the container (label scalewright.managed=true). */
  managed: 'managed',
  /** scaler_signal: which signal (cpu, memory, requests, latency, queue). */
  signal: 'signal',
  /** scaler_decision: scale_out | scale_in | scale_up | scale_down | hold. */
  action: 'action',
} as const;

export const ContainerStatsField = {
  cpuUsageCores: 'cpu_usage_cores',
  cpuLimitCores: 'cpu_limit_cores',
  cpuFractionOfLimit: 'cpu_fraction_of_limit',
  cpuThrottledFraction: 'cpu_throttled_fraction',
  cpuThrottledSecondsPerSecond: 'cpu_throttled_seconds_per_second',
  cpuUsageSecondsTotal: 'cpu_usage_seconds_total',
  memoryUsageBytes: 'memory_usage_bytes',
  memoryWorkingSetBytes: 'memory_working_set_bytes',
  memoryRssBytes: 'memory_rss_bytes',
  memoryCacheBytes: 'memory_cache_bytes',
  memoryLimitBytes: 'memory_limit_bytes',
  memoryFractionOfLimit: 'memory_fraction_of_limit',
  oomKillsTotal: 'oom_kills_total',
  /** 1 when read from cgroup files, 0 when from the Docker stats API fallback. */
  fromCgroup: 'from_cgroup',
} as const;

/**
 * The request signals a replica's `container_requests` point and its service's `service_stats`
 * point both carry, under the same names, so that one query reads either.
 */
export const RequestField = {
  requestsPerSecond: 'requests_per_second',
  errorsPerSecond: 'errors_per_second',
  errorFraction: 'error_fraction',
  latencyP50Seconds: 'latency_p50_seconds',
  latencyP95Seconds: 'latency_p95_seconds',
  latencyP99Seconds: 'latency_p99_seconds',
  queueDepthJobs: 'queue_depth_jobs',
  jobsPerSecond: 'jobs_per_second',
  jobDurationP95Seconds: 'job_duration_p95_seconds',
  jobLeadTimeP95Seconds: 'job_lead_time_p95_seconds',
} as const;

export const ContainerRequestsField = {
  ...RequestField,
  inFlightRequests: 'in_flight_requests',
  scrapeDurationSeconds: 'scrape_duration_seconds',
  /** 1 when /metrics answered, 0 when it did not (the other fields are then absent). */
  scrapeUp: 'scrape_up',
} as const;

export const ServiceStatsField = {
  replicas: 'replicas',
  /** Replicas whose resources were read this interval: what the limit and memory sums cover. */
  replicasRead: 'replicas_read',
  /** Replicas with a CPU usage this interval: what the usage sum covers. */
  replicasWithCpuUsage: 'replicas_with_cpu_usage',
  cpuUsageCores: 'cpu_usage_cores',
  cpuLimitCores: 'cpu_limit_cores',
  cpuFractionOfLimit: 'cpu_fraction_of_limit',
  cpuFractionOfLimitMax: 'cpu_fraction_of_limit_max',
  cpuThrottledFraction: 'cpu_throttled_fraction',
  memoryWorkingSetBytes: 'memory_working_set_bytes',
  memoryLimitBytes: 'memory_limit_bytes',
  memoryFractionOfLimitMax: 'memory_fraction_of_limit_max',
  oomKillsTotal: 'oom_kills_total',
  ...RequestField,
} as const;

/** What the scaler writes per evaluation (declared here so dashboards and the scaler agree). */
export const ScalerSignalField = {
  value: 'value',
  target: 'target',
  smoothed: 'smoothed',
  forecast: 'forecast',
  /** Adaptive policy: the factor measured latency applies to the capacity per replica (1: as told). */
  capacityFactor: 'capacity_factor',
  /**
   * Adaptive policy, once latency was found not to answer to replicas (a slow dependency): until
   * when (epoch ms) it corrects nothing, and how long the next such finding holds.
   */
  latencyUnresponsiveUntilMs: 'latency_unresponsive_until_ms',
  latencyUnresponsiveForMs: 'latency_unresponsive_for_ms',
  replicas: 'replicas',
  cpuLimitCores: 'cpu_limit_cores',
  memoryLimitBytes: 'memory_limit_bytes',
} as const;

/** What the scaler writes per decision. `reason` is a string field (annotation text). */
export const ScalerDecisionField = {
  replicasBefore: 'replicas_before',
  replicasAfter: 'replicas_after',
  cpuLimitCoresBefore: 'cpu_limit_cores_before',
  cpuLimitCoresAfter: 'cpu_limit_cores_after',
  memoryLimitBytesBefore: 'memory_limit_bytes_before',
  memoryLimitBytesAfter: 'memory_limit_bytes_after',
  dryRun: 'dry_run',
  reason: 'reason',
} as const;
