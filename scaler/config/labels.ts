import { parseByteSize } from '../../common/env.js';
import { isPolicyLabel, suggestPolicyLabel } from './labelOwners.js';
import { parsePolicyConfig, PolicyConfigError, type PolicyConfig, type PolicyConfigInput } from './policyConfig.js';

type Kind = 'number' | 'bytes' | 'string';

/**
 * Container labels that set a service's policy, and the config field each one sets. A label
 * overrides the same field of the file config (labels travel with the container; the file is the
 * operator's default). Documented in the README table; keep both in step.
 */
export const POLICY_LABELS: readonly { label: string; path: readonly string[]; kind: Kind }[] = [
  { label: 'scalewright.policy', path: ['policy'], kind: 'string' },
  { label: 'scalewright.min-replicas', path: ['replicas', 'min'], kind: 'number' },
  { label: 'scalewright.max-replicas', path: ['replicas', 'max'], kind: 'number' },
  { label: 'scalewright.cpu.min', path: ['cpu', 'minCores'], kind: 'number' },
  { label: 'scalewright.cpu.max', path: ['cpu', 'maxCores'], kind: 'number' },
  { label: 'scalewright.cpu.bridge-step', path: ['cpu', 'bridgeStepCores'], kind: 'number' },
  { label: 'scalewright.memory.min', path: ['memory', 'minBytes'], kind: 'bytes' },
  { label: 'scalewright.memory.max', path: ['memory', 'maxBytes'], kind: 'bytes' },
  { label: 'scalewright.target.cpu', path: ['targets', 'cpuUtilisation'], kind: 'number' },
  { label: 'scalewright.target.rps-per-replica', path: ['targets', 'rpsPerReplica'], kind: 'number' },
  { label: 'scalewright.target.p95-latency-ms', path: ['targets', 'p95LatencyMs'], kind: 'number' },
  { label: 'scalewright.target.latency-correction-floor', path: ['targets', 'latencyCorrectionFloor'], kind: 'number' },
  { label: 'scalewright.target.queue-per-replica', path: ['targets', 'queueDepthPerReplica'], kind: 'number' },
  { label: 'scalewright.window.stable-seconds', path: ['windows', 'stableSeconds'], kind: 'number' },
  { label: 'scalewright.window.panic-seconds', path: ['windows', 'panicSeconds'], kind: 'number' },
  { label: 'scalewright.window.metric-seconds', path: ['windows', 'metricSeconds'], kind: 'number' },
  { label: 'scalewright.window.scale-down-stabilisation-seconds', path: ['windows', 'scaleDownStabilisationSeconds'], kind: 'number' },
  { label: 'scalewright.cooldown.after-scale-out-seconds', path: ['cooldowns', 'afterScaleOutSeconds'], kind: 'number' },
  { label: 'scalewright.cooldown.between-scale-in-seconds', path: ['cooldowns', 'betweenScaleInSeconds'], kind: 'number' },
  { label: 'scalewright.startup-seconds', path: ['startupSeconds'], kind: 'number' },
  { label: 'scalewright.evaluation-seconds', path: ['evaluationSeconds'], kind: 'number' },
  { label: 'scalewright.bridge-seconds', path: ['bridgeSeconds'], kind: 'number' },
  { label: 'scalewright.tolerance', path: ['tolerance'], kind: 'number' },
];

/**
 * Turns Docker container labels into a config overlay (the partial input, before defaults).
 * Every label may be given: those that are not the policy's (other owners', other parts'
 * `scalewright.*` ones: `labelOwners.ts`) are left alone. A value that is not a number where one
 * is needed, or a label of the policy's that it does not know (a typo), is an error naming the
 * label, and the label meant when one is near (`scalewright.target.cpux` → `scalewright.target.cpu`).
 */
export function configInputFromLabels(labels: Readonly<Record<string, string>>): PolicyConfigInput {
  const overlay: Record<string, unknown> = {};
  const problems: { field: string; message: string }[] = [];
  const known = new Map(POLICY_LABELS.map((entry) => [entry.label, entry]));
  for (const [label, raw] of Object.entries(labels)) {
    const entry = known.get(label);
    if (entry === undefined) {
      if (!isPolicyLabel(label, POLICY_LABELS)) continue;
      const meant = suggestPolicyLabel(label, POLICY_LABELS);
      problems.push({ field: label, message: `unknown scalewright policy label${meant === undefined ? '' : ` (did you mean ${meant}?)`}` });
      continue;
    }
    const value = convert(raw, entry.kind);
    if (value === undefined) {
      problems.push({ field: label, message: `not a ${entry.kind === 'bytes' ? 'byte size' : 'number'}: ${JSON.stringify(raw)}` });
      continue;
    }
    setPath(overlay, entry.path, value);
  }
  if (problems.length > 0) {
    throw new PolicyConfigError(`invalid container labels: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
  return overlay as PolicyConfigInput;
}

/**
 * The effective config of a service: defaults, then the file config, then the labels. Validation
 * errors on a labelled field name the label, not the internal path.
 */
export function resolvePolicyConfig(fileInput: PolicyConfigInput | undefined, labels: Readonly<Record<string, string>> = {}): PolicyConfig {
  const merged = deepMerge((fileInput ?? {}) as Record<string, unknown>, configInputFromLabels(labels) as Record<string, unknown>);
  try {
    return parsePolicyConfig(merged);
  } catch (error) {
    if (!(error instanceof PolicyConfigError)) throw error;
    const labelByPath = new Map(POLICY_LABELS.filter((e) => e.label in labels).map((e) => [e.path.join('.'), e.label]));
    const problems = error.problems.map((p) => ({ field: labelByPath.get(p.field) ?? p.field, message: p.message }));
    throw new PolicyConfigError(`invalid policy config: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
}

function convert(raw: string, kind: Kind): string | number | undefined {
  const text = raw.trim();
  if (kind === 'string') return text;
  if (kind === 'bytes') return parseByteSize(text);
  if (text === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}

function deepMerge(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    const bothObjects = isPlainObject(current) && isPlainObject(value);
    out[key] = bothObjects ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
