/**
 * A service whose name the collector cannot store in InfluxDB (a line end, a tab, a NUL or a
 * trailing backslash in its `scalewright.service` label). The collector does not watch its
 * containers, so there is never data for it; and InfluxQL cannot quote a carriage return or a NUL,
 * so every read of such a service fails, which the loop took for InfluxDB being unreachable, tick
 * after tick. The platform still lists it; the loop leaves it out, saying so once per name.
 */
import { describe, expect, it } from 'vitest';
import type { Actuator, ServiceState } from '../../scaler/actuators/actuator.js';
import { ScalerLoop, type ScalerLoopOptions } from '../../scaler/loop/controller.js';
import { influxWindowReader } from '../../scaler/loop/influxWindow.js';
import { capturingLogger, privateDatabase } from './support/influx.js';
import { scalerLoopOptions } from './support/loopOptions.js';

const state = (service: string): ServiceState => ({ service, replicas: 1, readyReplicas: 1, cpuLimitCores: 0.5, memoryLimitBytes: 256 * 2 ** 20, converging: false, members: [], labels: {} });

/** A platform listing `services` (fake), and the services it was asked to observe. */
function platform(services: string[]) {
  const observed: string[] = [];
  const actuator: Actuator = {
    kind: 'docker',
    listServices: async () => services,
    observe: async (service) => {
      observed.push(service);
      return state(service);
    },
    tidy: async () => 0,
    setReplicas: async () => undefined,
    setLimits: async () => undefined,
  };
  return { actuator, observed };
}

async function loopOver(actuator: Actuator, overrides: Partial<ScalerLoopOptions> = {}) {
  const connection = await privateDatabase(`unaskable_${Date.now()}`);
  const { logger, lines } = capturingLogger('warn');
  const loop = new ScalerLoop(scalerLoopOptions({ actuator, readWindow: influxWindowReader(connection), dryRun: true, logger, ...overrides }));
  const refusals = () => lines.filter((line) => String(line.msg).startsWith('service not scaled'));
  return { loop, lines, refusals, connection };
}

describe('a service whose name InfluxDB cannot store or be asked for', () => {
  it('regression: a name ending in a carriage return (`web\\r`) makes every read of its window fail, as if InfluxDB were unreachable', async () => {
    const connection = await privateDatabase(`unaskable_read_${Date.now()}`);
    const read = influxWindowReader(connection);
    expect(await read('web', 60, { containerCpu: true })).toMatchObject({ ok: true });
    expect(await read('web\r', 60, { containerCpu: true })).toMatchObject({ ok: false, problem: 'influx_unreachable' });
  });

  it('is left out of every tick, with one warning per name naming the label, while the other services are evaluated', async () => {
    const unaskable = ['web\r', 'nul\0', 'two\nlines', 'tab\tbed', 'slash\\'];
    const { actuator, observed } = platform(['web', ...unaskable]);
    const { loop, refusals } = await loopOver(actuator);
    for (let tick = 0; tick < 3; tick++) {
      const reports = await loop.tick();
      expect(reports.map((report) => [report.service, report.outcome])).toEqual([['web', 'no_data']]);
    }
    expect(observed).toEqual(['web', 'web', 'web']);
    expect(refusals().map((line) => line.service)).toEqual(unaskable);
    for (const line of refusals()) {
      expect(line).toMatchObject({ level: 40, label: 'scalewright.service' });
      expect(String(line.msg)).toContain('label scalewright.service');
      expect(String(line.msg)).toContain('no line ends, tabs, NUL or trailing backslash');
    }
    expect(loop.lastTickSkipped).toBeUndefined();
  });

  it('named by the operator (`--service`), it is left out the same way', async () => {
    const { actuator, observed } = platform([]);
    const { loop, refusals } = await loopOver(actuator, { services: ['web\r'] });
    expect(await loop.tick()).toEqual([]);
    expect(await loop.tick()).toEqual([]);
    expect(observed).toEqual([]);
    expect(refusals()).toHaveLength(1);
  });
});
