import { Point } from '@influxdata/influxdb-client';
import { addFloatField, addIntegerField, Measurement, ScalerDecisionField as D, ScalerSignalField as S, Tag } from '../../common/influx/index.js';
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
    .booleanField(D.dryRun, record.dryRun)
    .stringField(D.reason, decision.reason)
    .stringField(DecisionExtraField.outcome, record.outcome)
    .stringField(DecisionExtraField.policy, decision.policy)
    .stringField(DecisionExtraField.resource, decision.resource);
  addIntegerField(point, D.replicasBefore, actual.replicas);
  addIntegerField(point, D.replicasAfter, replicasAfter);
  addFloatField(point, D.cpuLimitCoresBefore, actual.cpuLimitCores);
  addFloatField(point, D.cpuLimitCoresAfter, cpuAfter);
  addIntegerField(point, D.memoryLimitBytesBefore, actual.memoryLimitBytes);
  addIntegerField(point, D.memoryLimitBytesAfter, memoryAfter);
  if (record.error) point.stringField(DecisionExtraField.error, record.error.slice(0, 500));
  addIntegerField(point, DecisionExtraField.fencingToken, record.fencingToken);
  const bridgeBase = decision.policy.endsWith('bridge') ? decision.thresholds.baseCpuLimitCores : undefined;
  addFloatField(point, DecisionExtraField.bridgeBaseCpuCores, typeof bridgeBase === 'number' ? bridgeBase : undefined);
  return point;
}

export function signalPoint(service: string, time: number, signal: SignalRecord, actual: ServiceState): Point {
  const point = new Point(Measurement.scalerSignal)
    .tag(Tag.service, service)
    .tag(Tag.signal, signal.signal)
    .timestamp(new Date(time));
  addFloatField(point, S.target, signal.target);
  addIntegerField(point, S.replicas, actual.replicas);
  addFloatField(point, S.value, signal.value);
  addFloatField(point, S.smoothed, signal.smoothed);
  addFloatField(point, S.forecast, signal.forecast);
  addFloatField(point, S.capacityFactor, signal.capacityFactor);
  addIntegerField(point, S.latencyUnresponsiveUntilMs, signal.latencyUnresponsive?.until);
  addIntegerField(point, S.latencyUnresponsiveForMs, signal.latencyUnresponsive?.forMs);
  addFloatField(point, S.cpuLimitCores, actual.cpuLimitCores);
  addIntegerField(point, S.memoryLimitBytes, actual.memoryLimitBytes);
  return point;
}
