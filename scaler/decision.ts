/**
 * A scaling decision as plain, JSON-serialisable data. Every policy returns one, whether it acts
 * or not, so that the loop can record it (InfluxDB, reports) and a person can read why.
 *
 * - `action`: `none` (keep as is), `scale_out`/`scale_in` (more/fewer replicas),
 *   `scale_up`/`scale_down` (bigger/smaller per-replica limit).
 * - `resource`: what changes: `replicas`, `cpu` (cores) or `memory` (bytes).
 * - `from`/`to`: the value before and after, in the resource's unit (equal when `action` is `none`).
 * - `signals`: the numbers the policy looked at, by name (e.g. `stableMean`, `forecast`, `p95Bytes`).
 * - `thresholds`: the numbers it compared them with, by name (e.g. `targetRpsPerReplica`).
 * - `reason`: one line for a human, e.g. "forecast 410 rps in 35 s needs 12 replicas at 35 rps each".
 * - `policy`: which policy decided (`hpa`, `adaptive`, `vertical`, `arbitration`).
 */
export type DecisionAction = 'none' | 'scale_out' | 'scale_in' | 'scale_up' | 'scale_down';
export type DecisionResource = 'replicas' | 'cpu' | 'memory';

export interface Decision {
  action: DecisionAction;
  resource: DecisionResource;
  from: number;
  to: number;
  signals: Record<string, number | null>;
  thresholds: Record<string, number | null>;
  reason: string;
  policy: string;
}

type Numbers = Record<string, number | null | undefined>;

/** Builds a horizontal decision, choosing the action from the direction of the change. */
export function replicaDecision(policy: string, from: number, to: number, reason: string, signals: Numbers = {}, thresholds: Numbers = {}): Decision {
  return decisionFor(policy, 'replicas', from, to, reason, signals, thresholds);
}

/** Builds a vertical decision for one resource. */
export function resourceDecision(policy: string, resource: 'cpu' | 'memory', from: number, to: number, reason: string, signals: Numbers = {}, thresholds: Numbers = {}): Decision {
  return decisionFor(policy, resource, from, to, reason, signals, thresholds);
}

/** Replicas go out and in; a replica's limits go up and down. */
const ACTIONS: Record<DecisionResource, { more: DecisionAction; less: DecisionAction }> = {
  replicas: { more: 'scale_out', less: 'scale_in' },
  cpu: { more: 'scale_up', less: 'scale_down' },
  memory: { more: 'scale_up', less: 'scale_down' },
};

function decisionFor(policy: string, resource: DecisionResource, from: number, to: number, reason: string, signals: Numbers, thresholds: Numbers): Decision {
  const action: DecisionAction = to > from ? ACTIONS[resource].more : to < from ? ACTIONS[resource].less : 'none';
  return { action, resource, from, to, signals: definedOrNull(signals), thresholds: definedOrNull(thresholds), reason, policy };
}

/** JSON has no `undefined` and no infinities: record them as null so a decision round-trips. */
function definedOrNull(values: Numbers): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  // for…in rather than Object.entries: the simulator builds millions of decisions.
  for (const key in values) {
    const value = values[key];
    out[key] = value === undefined || value === null || !Number.isFinite(value) ? null : value;
  }
  return out;
}
