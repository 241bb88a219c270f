import { describe, expect, it } from 'vitest';
import { usageAtReplicaCount } from '../../scaler/loop/usageAtReplicaCount.js';

const at = (time: number, value: number) => ({ time, value });

describe('per-replica usage at the current replica count', () => {
  it('keeps only the samples at the current count', () => {
    const counts = [at(1, 2), at(2, 2), at(3, 4), at(4, 4)];
    const usage = [at(1, 0.4), at(2, 0.4), at(3, 0.2), at(4, 0.2)];
    expect(usageAtReplicaCount(usage, counts, 0)).toEqual([at(3, 0.2), at(4, 0.2)]);
  });

  it('leaves out the start-up of the replicas that came with it', () => {
    const counts = [at(0, 2), at(10, 4), at(20, 4), at(30, 4), at(40, 4)];
    const usage = [at(0, 0.4), at(10, 0.3), at(20, 0.3), at(30, 0.1), at(40, 0.1)];
    // Changed by second 10; a 15 s start-up: from second 25 on.
    expect(usageAtReplicaCount(usage, counts, 15)).toEqual([at(30, 0.1), at(40, 0.1)]);
    // None yet: the recommendation then has no samples and changes nothing.
    expect(usageAtReplicaCount(usage, counts, 60)).toEqual([]);
  });

  it('reads a count that went away and came back as a change too', () => {
    const counts = [at(1, 3), at(2, 2), at(3, 3)];
    expect(usageAtReplicaCount([at(1, 0.1), at(2, 0.3), at(3, 0.2)], counts, 0)).toEqual([at(3, 0.2)]);
  });

  it('keeps every sample when the count never changed in the window, or is not known', () => {
    const usage = [at(1, 0.4), at(2, 0.2)];
    expect(usageAtReplicaCount(usage, [at(1, 2), at(2, 2)], 15)).toEqual(usage);
    expect(usageAtReplicaCount(usage, [], 15)).toEqual(usage);
  });
});
