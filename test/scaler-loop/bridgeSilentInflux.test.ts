/**
 * Bridge passes while InfluxDB does not answer. The live loop re-sizes the start-up bridge of an
 * adaptive service on Docker every second between evaluations, reading the newest seconds from
 * InfluxDB each time. A pass cannot size anything without that data, so while InfluxDB accepts
 * connections and never answers, a pass would only make the loop wait the read's timeout, a second
 * later again, and again: asking a dead server every second and holding up the next evaluation
 * (the one that reports the problem). A service whose window could not be read is therefore left
 * out of bridge passes until an evaluation reads it again.
 */
import { describe, expect, it } from 'vitest';
import type { InfluxConnection } from '../../common/influx/index.js';
import type { Actuator, ServiceState } from '../../scaler/actuators/actuator.js';
import { ScalerLoop } from '../../scaler/loop/controller.js';
import { influxWindowReader } from '../../scaler/loop/influxWindow.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { silentServer } from '../support/failingDependencies.js';
import { scalerLoopOptions } from './support/loopOptions.js';

const state: ServiceState = { service: 'web', replicas: 1, readyReplicas: 1, cpuLimitCores: 0.5, memoryLimitBytes: 256 * 2 ** 20, converging: false, members: [], labels: {} };
/** Docker (CPU limits change live) and the default adaptive policy: a service the loop bridges. */
const docker: Actuator = { kind: 'docker', listServices: async () => ['web'], observe: async () => state, tidy: async () => 0, setReplicas: async () => undefined, setLimits: async () => undefined };

describe('bridge passes while InfluxDB accepts connections and never answers', () => {
  it('after an evaluation that could not read the window, the loop asks InfluxDB nothing more until the next evaluation', async () => {
    const silent = await silentServer();
    // Reads give up after 1 s here (5 s in the scaler), so that a few passes fit in the test.
    const connection: InfluxConnection = { url: silent.url, database: 'bridge_silent', retentionPolicy: 'raw', auth: { kind: 'none' }, timeoutMs: 1000 };
    const { logger, lines } = capturingLogger('warn');
    const loop = new ScalerLoop(scalerLoopOptions({ actuator: docker, readWindow: influxWindowReader(connection), dryRun: true, logger, services: ['web'] }));
    try {
      // One evaluation now, the next in a minute: what InfluxDB is asked in between is the bridge's.
      loop.start(60_000);
      await expect.poll(() => lines.some((line) => line.problem === 'influx_unreachable'), { timeout: 5000 }).toBe(true);
      const afterEvaluation = silent.requests();
      expect(afterEvaluation).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      // Before: a pass every second or so, each one read (two requests: the service's window and its containers' CPU) waiting its timeout.
      expect(silent.requests() - afterEvaluation).toBe(0);
      expect(loop.isBridging('web')).toBe(false);
    } finally {
      await loop.stop();
      await silent.close();
    }
  }, 20_000);
});
