import { parsePolicyConfig } from '../../../scaler/config/policyConfig.js';
import type { CompareOptions } from '../../../scaler/simulator/compare.js';
import { DEFAULT_SERVICE_MODEL } from '../../../scaler/simulator/serviceModel.js';

/**
 * A comparison as `scalewright simulate` runs one at its defaults: the default service model, at
 * most 40 replicas, rows of up to 60 s, the busiest second at 560 requests/s, the HPA rule
 * syncing every 15 s, both policies.
 */
export const SIMULATE_DEFAULTS: CompareOptions = {
  model: DEFAULT_SERVICE_MODEL,
  config: parsePolicyConfig({ replicas: { min: 1, max: 40 } }),
  replay: { maxReplayStepSeconds: 60, peakRps: 560 },
  policies: ['hpa', 'adaptive'],
  hpaSyncSeconds: 15,
};
