import { resolvePolicyConfig } from '../config/labels.js';
import type { PolicyConfig, PolicyConfigInput } from '../config/policyConfig.js';

/**
 * The effective policy of one service: the file's, overridden by the policy labels of its
 * containers. Every label is passed on: the config's label reading tells the policy's from the
 * collector's, the actuators' and the operator's own (`scaler/config/labelOwners.ts`), so that a
 * misspelt policy label is a config error naming it (and the label meant). Picking the
 * known names out here first hid every typo: the service was scaled as if the label were absent.
 */
export function policyConfigFor(fileConfig: PolicyConfigInput | undefined, labels: Readonly<Record<string, string>>): PolicyConfig {
  return resolvePolicyConfig(fileConfig, labels);
}
