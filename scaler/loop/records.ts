import { Point } from '@influxdata/influxdb-client';
import { Measurement, ScalerDecisionField as D, ScalerSignalField as S, Tag } from '../../common/influx/index.js';
import type { ServiceState } from '../actuators/actuator.js';
import type { Decision } from '../decision.js';
import type { SignalRecord } from './evaluate.js';

/**
 * What the loop writes to InfluxDB, in the schema the Grafana *Scaler* dashboard reads
 * (common/influx/schema.ts): `scaler_decision` (one point per decision, annotations) and
 * `scaler_signal` (one point per evaluation: the signal against its target).
 */

/** How a decision ended. */
export type Outcome = 'applied' | 'dry_run' | 'failed' | 'no_lease' | 'no_data' | 'stale_data' | 'influx_unreachable';

/** Fields this part adds to `scaler_decision` beyond the shared schema (added, never renamed). */
export const DecisionExtraField = {
  outcome: 'outcome',
  policy: 'policy',
  resource: 'resource',
  error: 'error',
  fencingToken: 'fencing_token',
  /** On the start-up bridge's decisions: the CPU limit it returns to (read back after a restart). */
  bridgeBaseCpuCores: 'bridge_base_cpu_cores',
} as const;

export interface DecisionRecord {
  readonly service: string;
  readonly time: number;
  readonly decision: Decision;
  readonly actual: ServiceState;
  readonly outcome: Outcome;
  readonly dryRun: boolean;
  readonly error?: string;
  readonly fencingToken?: number;
}

/** `none` is recorded as `hold` (the dashboard's word); the rest keep the decision's action. */
export function actionTag(decision: Decision): string {
  return decision.action === 'none' ? 'hold' : decision.action;
}

export function decisionPoint(record: DecisionRecord): Point {
  const { decision, actual } = record;
  const replicasAfter = decision.resource === 'replicas' ? decision.to : actual.replicas;
  const cpuAfter = decision.resource === 'cpu' ? decision.to : actual.cpuLimitCores;
  const memoryAfter = decision.resource === 'memory' ? decision.to : actual.memoryLimitBytes;
  const point = new Point(Measurement.scalerDecision)
    .tag(Tag.service, record.service)
    .tag(Tag.action, actionTag(decision))
    .timestamp(new Date(record.time))
    .intField(D.replicasBefore, actual.replicas)
    .intField(D.replicasAfter, Math.round(replicasAfter))
    .booleanField(D.dryRun, record.dryRun)
    .stringField(D.reason, decision.reason)
    .stringField(DecisionExtraField.outcome, record.outcome)
    .stringField(DecisionExtraField.policy, decision.policy)
    .stringField(DecisionExtraField.resource, decision.resource);
  if (actual.cpuLimitCores !== undefined) point.floatField(D.cpuLimitCoresBefore, actual.cpuLimitCores);
  if (cpuAfter !== undefined) point.floatField(D.cpuLimitCoresAfter, cpuAfter);
  if (actual.memoryLimitBytes !== undefined) point.intField(D.memoryLimitBytesBefore, Math.round(actual.memoryLimitBytes));
  if (memoryAfter !== undefined) point.intField(D.memoryLimitBytesAfter, Math.round(memoryAfter));
  if (record.error) point.stringField(DecisionExtraField.error, record.error.slice(0, 500));
  if (record.fencingToken !== undefined) point.intField(DecisionExtraField.fencingToken, record.fencingToken);
  const bridgeBase = decision.policy.endsWith('bridge') ? decision.thresholds.baseCpuLimitCores : undefined;
  if (typeof bridgeBase === 'number') point.floatField(DecisionExtraField.bridgeBaseCpuCores, bridgeBase);
  return point;
}

export function signalPoint(service: string, time: number, signal: SignalRecord, actual: ServiceState): Point {
  const point = new Point(Measurement.scalerSignal)
    .tag(Tag.service, service)
    .tag(Tag.signal, signal.signal)
    .timestamp(new Date(time))
    .floatField(S.target, signal.target)
    .intField(S.replicas, actual.replicas);
  if (signal.value !== undefined) point.floatField(S.value, signal.value);
  if (signal.smoothed !== undefined) point.floatField(S.smoothed, signal.smoothed);
  if (signal.forecast !== undefined) point.floatField(S.forecast, signal.forecast);
  if (signal.capacityFactor !== undefined) point.floatField(S.capacityFactor, signal.capacityFactor);
  if (signal.latencyUnresponsive !== undefined) {
    point.intField(S.latencyUnresponsiveUntilMs, Math.round(signal.latencyUnresponsive.until)).intField(S.latencyUnresponsiveForMs, Math.round(signal.latencyUnresponsive.forMs));
  }
  if (actual.cpuLimitCores !== undefined) point.floatField(S.cpuLimitCores, actual.cpuLimitCores);
  if (actual.memoryLimitBytes !== undefined) point.intField(S.memoryLimitBytes, Math.round(actual.memoryLimitBytes));
  return point;
}
