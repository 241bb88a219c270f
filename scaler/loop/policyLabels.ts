import { POLICY_LABELS, resolvePolicyConfig } from '../config/labels.js';
import type { PolicyConfig, PolicyConfigInput } from '../config/policyConfig.js';

const POLICY_LABEL_NAMES = new Set(POLICY_LABELS.map((entry) => entry.label));

/**
 * The effective policy of one service: the file's, overridden by the policy labels of its
 * containers. Only the policy labels are passed on: a container also carries the collector's and
 * the actuator's `scalewright.*` labels (metrics port, replica, scaler marks), which are not
 * policy settings and must not be read as unknown ones.
 */
export function policyConfigFor(fileConfig: PolicyConfigInput | undefined, labels: Readonly<Record<string, string>>): PolicyConfig {
  const policyLabels = Object.fromEntries(Object.entries(labels).filter(([key]) => POLICY_LABEL_NAMES.has(key)));
  return resolvePolicyConfig(fileConfig, policyLabels);
}
