import { describe, expect, it } from 'vitest';
import { podCpu } from '../../scaler/loop/podCpu.js';

const now = 1_800_000_000_000;
const member = (name: string) => ({ id: name, name, createdAt: now - 60_000, phase: 'ready' as const });

describe("each replica's own CPU, for the HPA rule", () => {
  it('is the mean of its samples within the window, stamped with its newest', () => {
    const samples = [
      { time: now - 20_000, container: 'web-0', value: 9 }, // before the window
      { time: now - 10_000, container: 'web-0', value: 0.2 },
      { time: now - 5_000, container: 'web-0', value: 0.4 },
      { time: now - 5_000, container: 'web-1', value: 0.1 },
    ];
    const cpu = podCpu(samples, [member('web-0'), member('web-1')], 15_000, now);
    expect(cpu?.get('web-0')?.usageCores).toBeCloseTo(0.3, 9);
    expect(cpu?.get('web-0')?.timestamp).toBe(now - 5_000);
    expect(cpu?.get('web-1')).toEqual({ usageCores: 0.1, timestamp: now - 5_000 });
  });

  it('leaves out containers that are no longer replicas, and replicas without samples', () => {
    const cpu = podCpu([{ time: now - 1_000, container: 'web-9', value: 1 }, { time: now - 1_000, container: 'web-0', value: 0.5 }], [member('web-0'), member('web-1')], 15_000, now);
    expect([...(cpu?.keys() ?? [])]).toEqual(['web-0']);
  });

  it('is undefined when no replica has a sample of its own, so the caller falls back to the service mean', () => {
    expect(podCpu([], [member('web-0')], 15_000, now)).toBeUndefined();
    expect(podCpu([{ time: now - 1_000, container: 'web-0.1.abc', value: 1 }], [member('web-0')], 15_000, now)).toBeUndefined();
  });
});
