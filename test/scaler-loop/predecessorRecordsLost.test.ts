/**
 * A scaler that starts (or takes the lease over) reads what its predecessor recorded of each
 * service: the cooldowns it started, the start-up bridge's base, the latency correction. When
 * InfluxDB does not give those records, the service still starts from a fresh memory, but the log
 * says so, naming the service, what is not carried over and why. Before, the read's failure was
 * taken for "nothing recorded" and nothing was said. A database with nothing in it yet is nothing
 * recorded, and a read cut short by a stop says nothing either.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import type { InfluxConnection } from '../../common/influx/index.js';
import type { Actuator } from '../../scaler/actuators/actuator.js';
import { ScalerLoop } from '../../scaler/loop/controller.js';
import { influxPredecessorRecords } from '../../scaler/loop/influxWindow.js';
import { serviceWindowFrom } from '../../scaler/loop/serviceWindow.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { silentServer } from '../support/failingDependencies.js';
import { scalerLoopOptions } from './support/loopOptions.js';
import { burstRows, burstServiceState, now } from './support/burstScenario.js';

const actuator: Actuator = { kind: 'swarm', listServices: async () => ['web'], observe: async (service) => burstServiceState(service), tidy: async () => 0, setReplicas: async () => undefined, setLimits: async () => undefined };
const lost = 'web: its recorded decisions and signals could not be read, so the cooldowns, bridge base and latency correction a predecessor left are not carried over and start fresh';

/** A dry-run loop over the service `web`, whose window is the burst and whose records come from `connection`. */
function loopReadingRecordsFrom(connection: InfluxConnection) {
  const { logger, lines } = capturingLogger('info');
  const loop = new ScalerLoop(scalerLoopOptions({
    actuator,
    readWindow: async () => ({ ok: true, window: serviceWindowFrom(burstRows) }),
    readPredecessorRecords: influxPredecessorRecords(connection),
    dryRun: true,
    logger,
    now: () => now,
  }));
  const warnings = () => lines.filter((line) => Number(line.level) >= 40);
  return { loop, warnings };
}

const at = (url: string, timeoutMs = 10_000): InfluxConnection => ({ url, database: `records_${randomUUID().slice(0, 8)}`, retentionPolicy: 'raw', auth: { kind: 'none' }, timeoutMs });

describe('the records a predecessor left, when InfluxDB does not give them', () => {
  it('InfluxDB takes the read and never answers: a warning names the service, what starts fresh, and the unanswered read; the service is still decided', async () => {
    const silent = await silentServer();
    try {
      const { loop, warnings } = loopReadingRecordsFrom(at(silent.url, 300));
      const [report] = await loop.tick();
      expect(report).toMatchObject({ service: 'web', outcome: 'dry_run', evaluation: { decision: { action: 'scale_out' } } });
      const error = `InfluxDB at ${silent.url} did not answer the recorded decisions and signals of service "web" (last 3600 s) within 0.3 s (set by INFLUX_TIMEOUT_MS)`;
      expect(warnings()).toEqual([expect.objectContaining({ service: 'web', error, msg: `${lost}: ${error}` })]);
    } finally {
      await silent.close();
    }
  });

  it('InfluxDB refuses the connection: the same warning, with the refusal', async () => {
    const port = await freePort();
    const { loop, warnings } = loopReadingRecordsFrom(at(`http://127.0.0.1:${port}`));
    const [report] = await loop.tick();
    expect(report?.outcome).toBe('dry_run');
    const error = `InfluxDB at http://127.0.0.1:${port} is unreachable: connect ECONNREFUSED 127.0.0.1:${port}`;
    expect(warnings()).toEqual([expect.objectContaining({ service: 'web', error, msg: `${lost}: ${error}` })]);
  });

  it('a database not created yet is nothing recorded, not records lost: no warning', async () => {
    // influxd answers this query of several statements with "not executed", not "database not found".
    const { loop, warnings } = loopReadingRecordsFrom(at(process.env.INFLUX_URL as string));
    const [report] = await loop.tick();
    expect(report?.outcome).toBe('dry_run');
    expect(warnings()).toEqual([]);
  });

  it('a read cut short by a stop says nothing: the scaler is stopping, not losing its records', async () => {
    const silent = await silentServer();
    try {
      const { loop, warnings } = loopReadingRecordsFrom(at(silent.url));
      const ticking = loop.tick();
      await expect.poll(() => silent.requests(), { timeout: 5000 }).toBeGreaterThan(0);
      await loop.stop();
      expect(await ticking).toEqual([{ service: 'web', outcome: 'stopped' }]);
      expect(warnings()).toEqual([]);
    } finally {
      await silent.close();
    }
  });
});
