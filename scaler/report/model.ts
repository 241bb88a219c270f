/**
 * The report's content as plain data (also its JSON output): per service, the series to chart,
 * the decisions with their reasons, and a summary a person reads first. Built by pure functions
 * from what InfluxDB holds (see history.ts for the reading).
 */
export interface Point {
  /** Epoch ms. */
  readonly t: number;
  readonly v: number;
}

export interface DecisionMark {
  readonly time: number;
  readonly action: string;
  readonly resource: string;
  readonly outcome: string;
  readonly dryRun: boolean;
  readonly reason: string;
  /** "replicas 1 → 3", "CPU 0.25 → 0.50 cores", "memory 128 → 256 MiB". */
  readonly change: string;
}

export interface ServiceHistory {
  readonly service: string;
  /** Width of the buckets the series were averaged into, seconds. */
  readonly bucketSeconds: number;
  readonly replicas: Point[];
  readonly cpuLimitPerReplicaCores: Point[];
  readonly cpuUsedPerReplicaCores: Point[];
  readonly memoryLimitPerReplicaBytes: Point[];
  readonly memoryUsedPerReplicaBytes: Point[];
  readonly requestsPerSecond: Point[];
  readonly latencyP95Seconds: Point[];
  /** The signal the scaler followed (scaler_signal), if it ran in this range. */
  readonly signal: { readonly name: string; readonly value: Point[]; readonly target: Point[]; readonly smoothed: Point[]; readonly forecast: Point[] } | undefined;
  readonly decisions: DecisionMark[];
}

export interface ServiceSummary {
  /** Applied scale actions (dry-run ones counted apart). */
  readonly actions: number;
  readonly actionsByKind: Record<string, number>;
  readonly dryRunActions: number;
  readonly failedActions: number;
  /** Evaluations skipped for missing/stale data or InfluxDB being away. */
  readonly dataProblems: number;
  readonly timeAboveTargetSeconds: number | undefined;
  readonly timeAboveTargetFraction: number | undefined;
  readonly replicaSeconds: number;
  readonly replicasStart: number | undefined;
  readonly replicasEnd: number | undefined;
  readonly replicasPeak: number | undefined;
  readonly cpuLimitStart: number | undefined;
  readonly cpuLimitEnd: number | undefined;
  /** One sentence: what happened and why. */
  readonly headline: string;
}

export interface ServiceReport extends ServiceHistory {
  readonly summary: ServiceSummary;
}

export interface Report {
  readonly title: string;
  readonly from: number;
  readonly to: number;
  readonly generatedAt: number;
  readonly services: ServiceReport[];
}

const ACTION_OUTCOMES = new Set(['applied', 'dry_run', 'failed']);
const SCALE_ACTIONS = new Set(['scale_out', 'scale_in', 'scale_up', 'scale_down']);

/**
 * Integrates a step series over [from, to]: each point holds until the next, and a point with no
 * successor for longer than `maxGapMs` stops counting there (a hole is not extrapolated).
 */
export function integrateSteps(points: readonly Point[], from: number, to: number, maxGapMs: number, weight: (p: Point) => number = (p) => p.v): number {
  let total = 0;
  for (let i = 0; i < points.length; i += 1) {
    const point = points[i] as Point;
    const start = Math.max(from, point.t);
    const next = points[i + 1]?.t ?? Math.min(to, point.t + maxGapMs);
    const end = Math.min(to, next, point.t + maxGapMs);
    if (end > start) total += weight(point) * ((end - start) / 1000);
  }
  return total;
}

/** Seconds during which the signal was above its target (targets are step series too). */
export function secondsAboveTarget(value: readonly Point[], target: readonly Point[], from: number, to: number, maxGapMs: number): number {
  let targetIndex = 0;
  const targetAt = (t: number) => {
    while (targetIndex + 1 < target.length && (target[targetIndex + 1] as Point).t <= t) targetIndex += 1;
    return target[targetIndex]?.v;
  };
  return integrateSteps(value, from, to, maxGapMs, (p) => {
    const goal = targetAt(p.t);
    return goal !== undefined && p.v > goal * 1.0001 ? 1 : 0;
  });
}

export function summarise(history: ServiceHistory, from: number, to: number): ServiceSummary {
  const maxGapMs = Math.max(3 * history.bucketSeconds * 1000, 5000);
  const acted = history.decisions.filter((d) => SCALE_ACTIONS.has(d.action) && ACTION_OUTCOMES.has(d.outcome));
  const applied = acted.filter((d) => d.outcome === 'applied');
  const actionsByKind: Record<string, number> = {};
  for (const decision of applied) actionsByKind[decision.action] = (actionsByKind[decision.action] ?? 0) + 1;
  const dataProblems = history.decisions.filter((d) => d.outcome === 'no_data' || d.outcome === 'stale_data' || d.outcome === 'influx_unreachable').length;
  const covered = history.signal ? integrateSteps(history.signal.value, from, to, maxGapMs, () => 1) : 0;
  const above = history.signal && covered > 0 ? secondsAboveTarget(history.signal.value, history.signal.target, from, to, maxGapMs) : undefined;
  const replicaSeconds = integrateSteps(history.replicas, from, to, maxGapMs);
  const replicasPeak = history.replicas.length ? Math.max(...history.replicas.map((p) => p.v)) : undefined;
  const summary = {
    actions: applied.length,
    actionsByKind,
    dryRunActions: acted.filter((d) => d.outcome === 'dry_run').length,
    failedActions: acted.filter((d) => d.outcome === 'failed').length,
    dataProblems,
    timeAboveTargetSeconds: above,
    timeAboveTargetFraction: above !== undefined && covered > 0 ? above / covered : undefined,
    replicaSeconds,
    replicasStart: history.replicas[0]?.v,
    replicasEnd: history.replicas.at(-1)?.v,
    replicasPeak,
    cpuLimitStart: history.cpuLimitPerReplicaCores[0]?.v,
    cpuLimitEnd: history.cpuLimitPerReplicaCores.at(-1)?.v,
  };
  return { ...summary, headline: headline(history, summary, acted) };
}

const ACTION_WORDS: Record<string, string> = { scale_out: 'scale-out', scale_in: 'scale-in', scale_up: 'scale-up', scale_down: 'scale-down' };

function headline(history: ServiceHistory, s: Omit<ServiceSummary, 'headline'>, acted: readonly DecisionMark[]): string {
  const parts: string[] = [];
  if (s.actions === 0 && s.dryRunActions === 0) parts.push('No scale action');
  else {
    const kinds = Object.entries(s.actionsByKind).map(([kind, n]) => `${n} ${ACTION_WORDS[kind] ?? kind}`).join(', ');
    parts.push(s.actions > 0 ? `${s.actions} action${s.actions === 1 ? '' : 's'} (${kinds})` : 'No action applied');
    if (s.dryRunActions > 0) parts.push(`${s.dryRunActions} would-be action${s.dryRunActions === 1 ? '' : 's'} in dry-run`);
  }
  if (s.replicasStart !== undefined && s.replicasEnd !== undefined) parts.push(`replicas ${s.replicasStart} → ${s.replicasEnd}${s.replicasPeak !== undefined && s.replicasPeak > Math.max(s.replicasStart, s.replicasEnd) ? ` (peak ${s.replicasPeak})` : ''}`);
  if (s.cpuLimitStart !== undefined && s.cpuLimitEnd !== undefined && Math.abs(s.cpuLimitStart - s.cpuLimitEnd) > 1e-3) parts.push(`CPU limit ${s.cpuLimitStart.toFixed(2)} → ${s.cpuLimitEnd.toFixed(2)} cores per replica`);
  if (s.timeAboveTargetFraction !== undefined && history.signal) parts.push(`${history.signal.name} above target ${(s.timeAboveTargetFraction * 100).toFixed(0)}% of the time`);
  if (s.failedActions > 0) parts.push(`${s.failedActions} failed`);
  if (s.dataProblems > 0) parts.push(`${s.dataProblems} evaluation${s.dataProblems === 1 ? '' : 's'} skipped for missing data`);
  // The decision that best explains the run: the first scale-out, else the first CPU change, else the first action.
  const key = acted.find((d) => d.action === 'scale_out') ?? acted.find((d) => d.resource === 'cpu') ?? acted[0];
  const why = key ? ` Why, at ${new Date(key.time).toISOString().slice(11, 19)}: ${key.change} because ${key.reason}.` : '';
  return `${parts.join('; ')}.${why}`;
}
