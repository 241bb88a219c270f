import { describe, expect, it } from 'vitest';
import { cpuDemandExcludingStartup } from '../../scaler/loop/startupCpu.js';

const member = (name: string, createdAt: number) => ({ id: name, name, createdAt, phase: 'ready' as const });

describe('CPU demand without start-up burn', () => {
  it('adds the containers of each collection', () => {
    const samples = [
      { time: 1000, container: 'a', value: 0.1 },
      { time: 1000, container: 'b', value: 0.2 },
      { time: 2000, container: 'a', value: 0.3 },
    ];
    expect(cpuDemandExcludingStartup(samples, [member('a', 0), member('b', 0)], 500)).toEqual([
      { time: 1000, value: 0.1 + 0.2 },
      { time: 2000, value: 0.3 },
    ]);
  });

  it('leaves out a current replica until its start-up time has passed, keeping the collection as a sample', () => {
    const samples = [
      { time: 1000, container: 'new', value: 0.1 },
      { time: 1000, container: 'old', value: 0.05 },
      { time: 9000, container: 'new', value: 0.1 },
    ];
    const members = [member('old', -60_000), member('new', 500)];
    expect(cpuDemandExcludingStartup(samples, members, 5000)).toEqual([
      { time: 1000, value: 0.05 },
      { time: 9000, value: 0.1 },
    ]);
    expect(cpuDemandExcludingStartup([{ time: 1000, container: 'new', value: 0.1 }], members, 5000)).toEqual([{ time: 1000, value: 0 }]);
  });

  it('counts in full a container that is no longer a replica: it carried real load while it lived', () => {
    expect(cpuDemandExcludingStartup([{ time: 1000, container: 'gone', value: 0.4 }], [member('old', 0)], 5000)).toEqual([{ time: 1000, value: 0.4 }]);
  });
});
