import { Label } from '../../collector/labels.js';
import { ActuatorLabel } from '../actuators/labels.js';
import { nearestName } from './nearestName.js';

/**
 * Which `scalewright.*` labels are the policy's. A container carries the policy's labels next to
 * other parts' (the collector's, the actuators' marks, a stack's or a run's id, which an operator
 * selects with `--require-label`), and a Kubernetes Deployment its annotations with them. Those
 * are never the policy's business; a label the policy would own but does not know (a typo) is an
 * error, so that it is not ignored in silence.
 */

/** Labels other parts read or write, by their full name. */
const OTHER_PARTS_LABELS: ReadonlySet<string> = new Set([...Object.values(Label), ...Object.values(ActuatorLabel)]);

/**
 * Families (the name, or the name followed by `.` and more) of other parts' labels:
 * `scalewright.metrics.*` the collector's, `scalewright.scaler.*` the actuators' marks,
 * `scalewright.container` the Kubernetes actuator's annotation, `scalewright.stack` the compose
 * file's stack id, `scalewright.demo` a demo run's id, `scalewright.test` and `scalewright.test.*`
 * the test suites' run ids.
 */
const OTHER_PARTS_FAMILIES = ['scalewright.metrics', 'scalewright.scaler', 'scalewright.container', 'scalewright.stack', 'scalewright.demo', 'scalewright.test'];

/**
 * Beginnings of the policy's labels, and of the config file's names a label might be written
 * with (`scalewright.replicas.max`, `scalewright.vertical.percentile`, which has no label):
 * anything starting so is the policy's.
 */
const POLICY_BEGINNINGS = [
  'scalewright.policy', 'scalewright.min', 'scalewright.max', 'scalewright.replicas', 'scalewright.cpu', 'scalewright.mem', 'scalewright.target',
  'scalewright.window', 'scalewright.cooldown', 'scalewright.startup', 'scalewright.evaluation', 'scalewright.bridge', 'scalewright.tolerance', 'scalewright.vertical',
];

const PREFIX = 'scalewright.';

export function isOtherPartsLabel(label: string): boolean {
  return OTHER_PARTS_LABELS.has(label) || OTHER_PARTS_FAMILIES.some((family) => label === family || label.startsWith(`${family}.`));
}

/**
 * True when `label` is the policy's: a known policy label, one that begins as they do, or one a
 * typo away from one (`scalewright.tolerence`), unless another part owns it.
 */
export function isPolicyLabel(label: string, known: readonly PolicyLabelName[]): boolean {
  if (!label.startsWith(PREFIX) || isOtherPartsLabel(label)) return false;
  return POLICY_BEGINNINGS.some((beginning) => label.startsWith(beginning)) || suggestPolicyLabel(label, known) !== undefined;
}

/** A policy label and the config path it sets. */
export interface PolicyLabelName {
  readonly label: string;
  readonly path: readonly string[];
}

/**
 * The policy label an unknown one most likely meant: the nearest label name, or the label of the
 * config field it names in the file's words (`scalewright.replicas.max` → `scalewright.max-replicas`).
 */
export function suggestPolicyLabel(label: string, known: readonly PolicyLabelName[]): string | undefined {
  if (!label.startsWith(PREFIX)) return undefined;
  const candidates = known.flatMap((entry) => [
    { name: entry.label.slice(PREFIX.length), value: entry.label },
    { name: entry.path.join('.'), value: entry.label },
  ]);
  return nearestName(label.slice(PREFIX.length), candidates);
}
