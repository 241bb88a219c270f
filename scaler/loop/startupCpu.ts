import type { ReplicaState } from '../actuators/actuator.js';
import type { Sample } from '../samples.js';
import type { ContainerSample } from './serviceWindow.js';

/**
 * CPU demand of a service, per collection, without what its replicas burn while they start.
 *
 * A Node process starting on a tenth of a core spends its whole budget for 10-15 s loading code.
 * Counted as demand, that burn makes every scale-out look like more load and asks for yet more
 * replicas (a feedback loop the HPA avoids by ignoring the CPU samples of pods that are not
 * ready yet). Here a sample of a current replica taken before `createdAt + startupMs` is left
 * out; replicas already gone count in full (they carried real load while they lived).
 */
export function cpuDemandExcludingStartup(samples: readonly ContainerSample[], members: readonly ReplicaState[], startupMs: number): Sample[] {
  const bootedAt = new Map(members.map((member) => [member.name, member.createdAt + startupMs]));
  const byTime = new Map<number, number>();
  for (const sample of samples) {
    const booted = bootedAt.get(sample.container);
    if (booted !== undefined && sample.time < booted) {
      if (!byTime.has(sample.time)) byTime.set(sample.time, 0);
      continue;
    }
    byTime.set(sample.time, (byTime.get(sample.time) ?? 0) + sample.value);
  }
  return [...byTime].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}
