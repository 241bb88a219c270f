import { Counter, Gauge, Registry } from 'prom-client';

/** The scaler's own Prometheus metrics (its /metrics), in a registry of its own. */
export function scalerMetrics() {
  const registry = new Registry();
  return {
    registry,
    evaluations: new Counter({ name: 'scalewright_scaler_evaluations_total', help: 'Evaluations per service, by outcome', labelNames: ['service', 'outcome'] as const, registers: [registry] }),
    dataProblems: new Counter({
      name: 'scalewright_scaler_data_problems_total',
      help: 'Evaluations skipped because the data was missing, stale, or InfluxDB unreachable (no action taken)',
      labelNames: ['service', 'problem'] as const,
      registers: [registry],
    }),
    actions: new Counter({ name: 'scalewright_scaler_actions_total', help: 'Scale actions, by action and result (applied, dry_run, failed)', labelNames: ['service', 'action', 'result'] as const, registers: [registry] }),
    replicas: new Gauge({ name: 'scalewright_scaler_replicas', help: 'Replicas of each managed service as last observed', labelNames: ['service'] as const, registers: [registry] }),
    leaseHeld: new Gauge({ name: 'scalewright_scaler_lease_held', help: '1 while this instance holds the scaler lease (decides and acts)', registers: [registry] }),
    lastTick: new Gauge({ name: 'scalewright_scaler_last_tick_timestamp_seconds', help: 'When the loop last completed a tick', registers: [registry] }),
  };
}

export type ScalerMetrics = ReturnType<typeof scalerMetrics>;
