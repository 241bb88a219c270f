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
  /** The newest decisions of the range (at most MAX_DECISIONS_SHOWN, history.ts), by time. */
  readonly decisions: DecisionMark[];
  /** Counted by InfluxDB over the whole range: what the summary says even when not every decision is listed. */
  readonly decisionCounts?: DecisionCounts;
  /** How many decisions the range holds; more than `decisions.length` when the list was cut. */
  readonly decisionsInRange?: number;
  /** The highest replica count of the range, read whole (the `replicas` series is bucket means). */
  readonly replicasPeak?: number;
  /**
   * The followed signal's raw points over the whole range, counted by InfluxDB: how many were above
   * the target recorded with them, of how many had both. The `signal` series are bucket means, which
   * hide a spell above target shorter than a bucket.
   */
  readonly signalPointsAboveTarget?: SignalPointCounts;
  /** Set when read from a downsampled policy: every figure above is then based on its stored means. */
  readonly downsampled?: DownsampledSource;
}

/**
 * A downsampled retention policy (`history`) keeps the mean of each series over each downsampling
 * interval, and no string field: the decisions are read from the database's default policy (`raw`),
 * which keeps them for less long.
 */
export interface DownsampledSource {
  readonly policy: string;
  /** Absent when the database has no other default policy to read them from. */
  readonly decisionsPolicy?: string;
  /** How long `decisionsPolicy` keeps points; absent when forever. */
  readonly decisionsKeptMs?: number;
  /** When the report was read (epoch ms): `decisionsPolicy` holds nothing older than this minus `decisionsKeptMs`. */
  readonly readAt: number;
  /** The span each stored point is the mean of (the continuous query's interval); absent when no continuous query says. */
  readonly intervalMs?: number;
}

/** Which part of [from, to] the decisions could be read for: all of it, none, or from `since` on. */
export type DecisionCoverage = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'part'; readonly since: number };

export function decisionCoverage(source: DownsampledSource | undefined, from: number, to: number): DecisionCoverage {
  if (!source) return { kind: 'all' };
  if (source.decisionsPolicy === undefined) return { kind: 'none' };
  if (source.decisionsKeptMs === undefined) return { kind: 'all' };
  const since = source.readAt - source.decisionsKeptMs;
  if (since <= from) return { kind: 'all' };
  return since >= to ? { kind: 'none' } : { kind: 'part', since };
}

export interface SignalPointCounts {
  readonly above: number;
  readonly points: number;
}

/** Decisions of the range counted by outcome, per action (`scale_out`, …). */
export interface DecisionCounts {
  readonly applied: Readonly<Record<string, number>>;
  readonly dryRun: Readonly<Record<string, number>>;
  readonly failed: Readonly<Record<string, number>>;
  /** Evaluations skipped for missing or stale data, or InfluxDB away (any action). */
  readonly dataProblems: number;
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
  /**
   * What the reader must know to read the charts right: what is missing (no data at all, no
   * signal, no requests), how little of the range the data covers, how coarse the buckets are,
   * and whether the decision list was cut. Shown under the headline; empty when there is nothing to say.
   */
  readonly notes: string[];
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

/**
 * Time above target from counts of raw points: their share above, and that share of the seconds
 * the signal covers (the scaler records one point an evaluation, at a steady interval, so a share
 * of the points is a share of the time). Undefined when no point could be judged.
 */
export function timeAboveTargetFromCounts(counts: SignalPointCounts, coveredSeconds: number): { seconds: number; fraction: number } | undefined {
  if (!(counts.points > 0)) return undefined;
  const fraction = Math.min(1, Math.max(0, counts.above / counts.points));
  return { seconds: fraction * coveredSeconds, fraction };
}

export function summarise(history: ServiceHistory, from: number, to: number): ServiceSummary {
  const maxGapMs = Math.max(3 * history.bucketSeconds * 1000, 5000);
  const acted = history.decisions.filter((d) => SCALE_ACTIONS.has(d.action) && ACTION_OUTCOMES.has(d.outcome));
  const counted = history.decisionCounts ?? countDecisions(history.decisions);
  // Kinds in the order they first happened (as the headline tells the run), then any not listed.
  const firstSeen = (action: string) => {
    const index = history.decisions.findIndex((d) => d.action === action);
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  const scaleOnly = (byAction: Readonly<Record<string, number>>) =>
    Object.fromEntries(Object.entries(byAction).filter(([action, n]) => SCALE_ACTIONS.has(action) && n > 0).sort(([a], [b]) => firstSeen(a) - firstSeen(b)));
  const sum = (byAction: Readonly<Record<string, number>>) => Object.values(byAction).reduce((a, b) => a + b, 0);
  const actionsByKind = scaleOnly(counted.applied);
  const dataProblems = counted.dataProblems;
  const covered = history.signal ? integrateSteps(history.signal.value, from, to, maxGapMs, () => 1) : 0;
  const above = timeAboveTarget(history, from, to, maxGapMs, covered);
  const replicaSeconds = integrateSteps(history.replicas, from, to, maxGapMs);
  const replicasPeak = history.replicasPeak ?? (history.replicas.length ? Math.max(...history.replicas.map((p) => p.v)) : undefined);
  const summary = {
    actions: sum(actionsByKind),
    actionsByKind,
    dryRunActions: sum(scaleOnly(counted.dryRun)),
    failedActions: sum(scaleOnly(counted.failed)),
    dataProblems,
    timeAboveTargetSeconds: above?.seconds,
    timeAboveTargetFraction: above?.fraction,
    replicaSeconds,
    replicasStart: history.replicas[0]?.v,
    replicasEnd: history.replicas.at(-1)?.v,
    replicasPeak,
    cpuLimitStart: history.cpuLimitPerReplicaCores[0]?.v,
    cpuLimitEnd: history.cpuLimitPerReplicaCores.at(-1)?.v,
  };
  const notes = notesOn(history, from, to);
  const empty = !hasAnyData(history);
  const decisionsGone = decisionCoverage(history.downsampled, from, to).kind === 'none';
  return { ...summary, headline: empty ? 'No data in this range.' : headline(history, summary, acted, decisionsGone), notes };
}

/** From the raw points' counts when the history has them; else (a history built without InfluxDB) from the charted series. */
function timeAboveTarget(history: ServiceHistory, from: number, to: number, maxGapMs: number, covered: number): { seconds: number; fraction: number } | undefined {
  if (!history.signal || !(covered > 0)) return undefined;
  if (history.signalPointsAboveTarget) return timeAboveTargetFromCounts(history.signalPointsAboveTarget, covered);
  const seconds = secondsAboveTarget(history.signal.value, history.signal.target, from, to, maxGapMs);
  return { seconds, fraction: seconds / covered };
}

/** Counts from the decisions listed, for a history that carries no counts of its own. */
function countDecisions(decisions: readonly DecisionMark[]): DecisionCounts {
  const by = (outcome: string) => {
    const counts: Record<string, number> = {};
    for (const d of decisions) if (d.outcome === outcome) counts[d.action] = (counts[d.action] ?? 0) + 1;
    return counts;
  };
  return { applied: by('applied'), dryRun: by('dry_run'), failed: by('failed'), dataProblems: decisions.filter((d) => DATA_PROBLEMS.has(d.outcome)).length };
}

/** The outcomes of an evaluation skipped for its data (missing, stale, InfluxDB away): counted apart, whatever the action. */
export const DATA_PROBLEMS: ReadonlySet<string> = new Set(['no_data', 'stale_data', 'influx_unreachable']);

/** How many points a chart has at most: a longer range is read in buckets, each its mean. */
export const MAX_POINTS_A_CHART = 400;

function chartedSeries(history: ServiceHistory): Point[][] {
  const signal = history.signal ? [history.signal.value, history.signal.target, history.signal.smoothed, history.signal.forecast] : [];
  return [history.replicas, history.cpuLimitPerReplicaCores, history.cpuUsedPerReplicaCores, history.memoryLimitPerReplicaBytes, history.memoryUsedPerReplicaBytes, history.requestsPerSecond, ...signal];
}

export function hasAnyData(history: ServiceHistory): boolean {
  return history.decisions.length > 0 || chartedSeries(history).some((points) => points.length > 0);
}

/** A duration for a person: `45 s`, `12 min`, `3.5 h`, `91 d`. */
export function spanText(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Number((s / 3600).toFixed(1))} h`;
  return `${Number((s / 86_400).toFixed(1))} d`;
}

function notesOn(history: ServiceHistory, from: number, to: number): string[] {
  const range = `${new Date(from).toISOString()} to ${new Date(to).toISOString()}`;
  if (!hasAnyData(history)) {
    return [`No data for this service from ${range}: nothing in service_stats or container_stats (the collector), nor in scaler_signal or scaler_decision (the scaler). Check the range, the retention policy read, or whether the collector watched this service then.`];
  }
  const notes: string[] = [];
  const collected = [history.replicas, history.cpuUsedPerReplicaCores, history.memoryUsedPerReplicaBytes].some((points) => points.length > 0);
  if (!collected) notes.push('The collector wrote nothing for this service in this range (service_stats, container_stats): no replicas, CPU or memory to chart.');
  if (!history.signal) notes.push('The scaler recorded no signal for this service in this range (scaler_signal): it did not evaluate it, so there is no target and no time above target.');
  if (collected && history.requestsPerSecond.length === 0) notes.push('No requests per second: the service exposes no request counts on /metrics, or they were not scraped.');
  const times = chartedSeries(history).flatMap((points) => (points.length ? [(points[0] as Point).t, (points.at(-1) as Point).t] : []));
  if (times.length) {
    const first = Math.min(...times);
    const last = Math.max(...times) + history.bucketSeconds * 1000;
    const points = Math.max(...chartedSeries(history).map((p) => p.length));
    if (last - first < 0.9 * (to - from)) {
      notes.push(`The data covers only ${spanText(Math.max(0, last - first))} of the ${spanText(to - from)} range (${new Date(first).toISOString()} to ${new Date(Math.min(last, to)).toISOString()}${points < 10 ? `, ${points} point${points === 1 ? '' : 's'} a chart` : ''}): the charts are blank elsewhere.`);
    } else if (points < 10) notes.push(`Only ${points} point${points === 1 ? '' : 's'} a chart in this range.`);
  }
  if (history.downsampled) notes.push(downsampledNote(history.downsampled, history.signal !== undefined));
  // A downsampled policy's own interval is as fine as it can be read: its note says what each point is.
  if (history.bucketSeconds * 1000 > (history.downsampled?.intervalMs ?? 1000)) {
    const bucket = `Each point is the mean of a ${spanText(history.bucketSeconds * 1000)} bucket (at most ${MAX_POINTS_A_CHART} points a chart): shorter peaks are flattened`;
    const narrow = 'Narrow the range (--from, --to) for the detail.';
    // On a downsampled policy nothing is read whole: the note above says what the figures are based on.
    if (history.downsampled) notes.push(`${bucket}. ${narrow}`);
    // The shading is drawn from the means while the figures come from every point: a reader must not take one for the other.
    else if (!history.signal) notes.push(`${bucket}. The peak replica count is read whole. ${narrow}`);
    else if (history.signalPointsAboveTarget) notes.push(`${bucket}, the shading above target with them. The peak replica count and the time above target are read whole, from every point recorded. ${narrow}`);
    else notes.push(`${bucket}, and the time above target is counted on those means. The peak replica count is read whole. ${narrow}`);
  }
  const total = history.decisionsInRange ?? history.decisions.length;
  if (total > history.decisions.length) {
    const firstShown = history.decisions[0];
    notes.push(`The table and the markers show the last ${history.decisions.length} of the ${total} decisions of the range${firstShown ? ` (from ${new Date(firstShown.time).toISOString()})` : ''}; the counts above cover them all. Narrow the range (--from, --to) to list the others.`);
  }
  const decisionsNote = history.downsampled && decisionsMissingNote(history.downsampled, decisionCoverage(history.downsampled, from, to));
  if (decisionsNote) notes.push(decisionsNote);
  return notes;
}

function downsampledNote(source: DownsampledSource, hasSignal: boolean): string {
  const figures = hasSignal
    ? 'The peak replica count is the highest of those means, and the time above target counts the means above the mean of their target: a peak or a spell above target shorter than an interval averages out.'
    : 'The peak replica count is the highest of those means: a peak shorter than an interval averages out.';
  const raw = source.decisionsPolicy ? ` The raw policy (${JSON.stringify(source.decisionsPolicy)}, --retention-policy ${source.decisionsPolicy}) has every point, for as long as it keeps them.` : '';
  return `Read from the downsampled policy ${JSON.stringify(source.policy)}: it keeps the mean of every series over each downsampling interval${source.intervalMs !== undefined ? ` (${spanText(source.intervalMs)})` : ''}, not the points recorded. ${figures}${raw}`;
}

/** Said only where decisions are missing: a table that is empty for that reason must not read as a scaler that did nothing. */
function decisionsMissingNote(source: DownsampledSource, coverage: DecisionCoverage): string | undefined {
  if (coverage.kind === 'all') return undefined;
  if (source.decisionsPolicy === undefined) return `The downsampled policy ${JSON.stringify(source.policy)} keeps no decisions (their outcome and reason are text), and the database has no raw policy to read them from: none for this range.`;
  const since = source.readAt - (source.decisionsKeptMs ?? 0);
  const kept = `Decisions are kept only in the raw policy ${JSON.stringify(source.decisionsPolicy)} (${spanText(source.decisionsKeptMs ?? 0)}, since ${new Date(since).toISOString()})`;
  if (coverage.kind === 'none') return `${kept}: none for this range. An empty table and no markers do not mean the scaler did nothing.`;
  return `${kept}: the table, the markers and the counts cover only the range from then on: before then, raw no longer keeps them.`;
}

/**
 * A share as a percentage: whole, except where that would round a few spells above target away to
 * 0% (or a few below it to 100%), which is what a reader of a long range most needs to see.
 */
export function percentText(fraction: number): string {
  const percent = fraction * 100;
  if (percent <= 0 || percent >= 100 || (percent >= 0.5 && percent < 99.5)) return `${percent.toFixed(0)}%`;
  if (percent < 0.05) return 'under 0.1%';
  if (percent >= 99.95) return 'over 99.9%';
  return `${percent.toFixed(1)}%`;
}

/** A replica count: whole, or a bucket mean to one decimal. */
export function countText(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

const ACTION_WORDS: Record<string, string> = { scale_out: 'scale-out', scale_in: 'scale-in', scale_up: 'scale-up', scale_down: 'scale-down' };

function headline(history: ServiceHistory, s: Omit<ServiceSummary, 'headline' | 'notes'>, acted: readonly DecisionMark[], decisionsGone: boolean): string {
  const parts: string[] = [];
  if (s.actions === 0 && s.dryRunActions === 0) parts.push(decisionsGone ? 'No decisions kept for this range' : 'No scale action');
  else {
    const kinds = Object.entries(s.actionsByKind).map(([kind, n]) => `${n} ${ACTION_WORDS[kind] ?? kind}`).join(', ');
    parts.push(s.actions > 0 ? `${s.actions} action${s.actions === 1 ? '' : 's'} (${kinds})` : 'No action applied');
    if (s.dryRunActions > 0) parts.push(`${s.dryRunActions} would-be action${s.dryRunActions === 1 ? '' : 's'} in dry-run`);
  }
  if (s.replicasStart !== undefined && s.replicasEnd !== undefined) parts.push(`replicas ${countText(s.replicasStart)} → ${countText(s.replicasEnd)}${s.replicasPeak !== undefined && s.replicasPeak > Math.max(s.replicasStart, s.replicasEnd) ? ` (peak ${countText(s.replicasPeak)})` : ''}`);
  if (s.cpuLimitStart !== undefined && s.cpuLimitEnd !== undefined && Math.abs(s.cpuLimitStart - s.cpuLimitEnd) > 1e-3) parts.push(`CPU limit ${s.cpuLimitStart.toFixed(2)} → ${s.cpuLimitEnd.toFixed(2)} cores per replica`);
  if (s.timeAboveTargetFraction !== undefined && history.signal) parts.push(`${history.signal.name} above target ${percentText(s.timeAboveTargetFraction)} of the time`);
  if (s.failedActions > 0) parts.push(`${s.failedActions} failed`);
  if (s.dataProblems > 0) parts.push(`${s.dataProblems} evaluation${s.dataProblems === 1 ? '' : 's'} skipped for missing data`);
  // The decision that best explains the run: the first scale-out, else the first CPU change, else the first action.
  const key = acted.find((d) => d.action === 'scale_out') ?? acted.find((d) => d.resource === 'cpu') ?? acted[0];
  const why = key ? ` Why, at ${new Date(key.time).toISOString().slice(11, 19)}: ${key.change} because ${key.reason}.` : '';
  return `${parts.join('; ')}.${why}`;
}
