import type { PolicyConfig } from '../scaler/config/policyConfig.js';

/** The scaling policy a demo run's service is under (its `scalewright.policy` label). */
export type DemoPolicy = PolicyConfig['policy'];

/** The app's CPU limit per replica at the start of every run (the seed's lesson-2 budget). */
export const DEMO_APP_CPUS = 0.1;
/** What the adaptive run may grow a replica to, and how many it may run. */
const ADAPTIVE_CPU_MAX = 0.3;
const ADAPTIVE_MAX_REPLICAS = 4;

/**
 * The labels of the demo app's first replica: the platform's, and the policy's.
 *
 * Under `hpa` the service is scaled as a Kubernetes HorizontalPodAutoscaler scales it: replicas
 * only, each at a fixed CPU limit (an HPA does not resize pods). To compare like with like it may
 * run as many cores in all as the adaptive run may (4 replicas × 0.3 = 12 × 0.1 = 1.2 cores), so
 * what differs is how each gets to them: the adaptive policy by raising the CPU limit of the
 * replicas that serve (at once) and adding replicas, the HPA rule by adding replicas (each starts
 * for about 15 s before it serves).
 */
export function demoAppLabels(service: string, policy: DemoPolicy, short: boolean): Record<string, string> {
  const cpuMax = policy === 'hpa' ? DEMO_APP_CPUS : ADAPTIVE_CPU_MAX;
  const maxReplicas = policy === 'hpa' ? Math.round((ADAPTIVE_MAX_REPLICAS * ADAPTIVE_CPU_MAX) / DEMO_APP_CPUS) : ADAPTIVE_MAX_REPLICAS;
  return {
    'scalewright.service': service,
    'scalewright.managed': 'true',
    'scalewright.metrics.port': '8080',
    'scalewright.policy': policy,
    'scalewright.min-replicas': '1',
    'scalewright.max-replicas': String(maxReplicas),
    'scalewright.cpu.min': String(DEMO_APP_CPUS),
    'scalewright.cpu.max': String(cpuMax),
    'scalewright.memory.min': String(100 * 1024 * 1024),
    'scalewright.memory.max': String(256 * 1024 * 1024),
    'scalewright.target.cpu': '0.6',
    // A new replica at 0.1 CPU needs about this long to start and pass its healthcheck.
    'scalewright.startup-seconds': '15',
    // The defaults (300 s of calm after a scale-out, 300 s of history before a scale-in) suit a
    // production service; the demo's cool-down is minutes, so its windows are scaled down too.
    'scalewright.window.stable-seconds': short ? '20' : '60',
    'scalewright.window.scale-down-stabilisation-seconds': short ? '20' : '60',
    'scalewright.cooldown.after-scale-out-seconds': short ? '20' : '60',
    'scalewright.cooldown.between-scale-in-seconds': short ? '10' : '20',
  };
}
