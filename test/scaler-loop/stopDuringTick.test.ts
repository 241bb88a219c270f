/**
 * Stopping the scaler while a tick waits on an InfluxDB that accepts connections and never
 * answers. The stop waits for the actions in flight (a `docker update` or a replica being added
 * is never left half-done), but not for the tick's InfluxDB reads: they are cut short, nothing is
 * decided or recorded from them (it is not "InfluxDB unreachable"), and no action starts after the
 * stop. Before, the stop waited out each read's timeout (5 s for the predecessor's records, 5 s
 * for the window), recorded the service as influx_unreachable, then gave the writer its 3 s to
 * send that record to the silent server: about 12.7 s from SIGTERM to exit.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { InfluxConnection } from '../../common/influx/index.js';
import { oneManagedContainer, testLabel } from '../actuators/support/fixtures.js';
import type { Actuator } from '../../scaler/actuators/actuator.js';
import { ScalerLoop } from '../../scaler/loop/controller.js';
import { influxWindowReader } from '../../scaler/loop/influxWindow.js';
import { serviceWindowFrom } from '../../scaler/loop/serviceWindow.js';
import { capturingLogger } from '../support/capturingLogger.js';
import { influxThatStopsAnswering, silentServer } from '../support/failingDependencies.js';
import { run, timedStop, waitForStage } from '../support/processes.js';
import { freePort } from '../../common/freePort.js';
import { scalerLoopOptions } from './support/loopOptions.js';
import { burstRows, burstServiceState, now } from './support/burstScenario.js';


describe('the loop stopped while a read waits on a silent InfluxDB and an action is in flight (fake platform)', () => {
  it('the read is cut short and nothing is decided from it; the stop ends only once the action has', async () => {
    const silent = await silentServer();
    // 'quiet' has its window read from the silent server (5 s per read, as in the scaler); 'busy' reads its burst at once and scales out.
    const connection: InfluxConnection = { url: silent.url, database: 'stop_silent', retentionPolicy: 'raw', auth: { kind: 'none' }, timeoutMs: 10_000 };
    const fromSilent = influxWindowReader(connection);
    let releaseAction: () => void = () => undefined;
    const actionHeld = new Promise<void>((resolve) => (releaseAction = resolve));
    const events: string[] = [];
    const actuator: Actuator = {
      kind: 'swarm', // replicas only (no start-up bridge): one action
      listServices: async () => ['busy', 'quiet'],
      observe: async (service) => burstServiceState(service),
      tidy: async () => 0,
      setReplicas: async (service) => {
        events.push(`${service}: scaling out`);
        await actionHeld;
        events.push(`${service}: scaled out`);
      },
      setLimits: async () => undefined,
    };
    const points: string[] = [];
    const { logger, lines } = capturingLogger('info');
    const loop = new ScalerLoop(scalerLoopOptions({
      actuator,
      readWindow: async (service, windowSeconds, options) => (service === 'busy' ? { ok: true, window: serviceWindowFrom(burstRows) } : fromSilent(service, windowSeconds, options)),
      dryRun: false,
      // Nothing recorded before: the read in flight at the stop is the window's (the CLI test below stops the records').
      readPredecessorRecords: async () => ({ ok: true, records: { lastScaleOutAt: undefined, lastScaleInAt: undefined } }),
      write: (batch) => points.push(...batch.map((point) => point.toLineProtocol() ?? '')),
      logger,
      now: () => now,
    }));
    try {
      loop.start(60_000);
      await expect.poll(() => events.includes('busy: scaling out') && silent.requests() > 0, { timeout: 5000 }).toBe(true);
      const stopping = loop.stop().then(() => events.push('stop ended'));
      // The quiet service's read gives up at once: its tick ends, and the stop waits for the action alone.
      await expect.poll(() => lines.some((line) => line.msg === 'stopping: waiting for the actions in flight to end'), { timeout: 1000 }).toBe(true);
      expect(lines.find((line) => line.msg === 'stopping: waiting for the actions in flight to end')).toMatchObject({ services: ['busy'] });
      await sleep(200);
      expect(events).toEqual(['busy: scaling out']);
      events.push('action released');
      releaseAction();
      await stopping;
      expect(events).toEqual(['busy: scaling out', 'action released', 'busy: scaled out', 'stop ended']);
      // The action is recorded as applied; the quiet service, whose read the stop cut short, not at all.
      expect(points.filter((point) => point.startsWith('scaler_decision'))).toEqual([expect.stringMatching(/^scaler_decision,action=scale_out,service=busy .*outcome="applied"/)]);
      expect(points.some((point) => point.includes('service=quiet'))).toBe(false);
      expect(lines.some((line) => line.service === 'quiet' && Number(line.level) >= 40)).toBe(false);
    } finally {
      releaseAction();
      await silent.close();
    }
  });
});

describe('scaler CLI: SIGTERM while a tick reads from an InfluxDB that has stopped answering', () => {
  /** A service of one real container, labelled for this run alone: the tick observes it and reads from InfluxDB for it. */
  const { runId, service } = oneManagedContainer('stop-during-tick');

  it('exits 0 at once: no "InfluxDB unreachable" from the cut-short read, nothing left for the writer to wait on', async () => {
    // Answers the schema setup, then never answers: the tick's reads wait (5 s each, before).
    const influx = await influxThatStopsAnswering();
    const scaler = run(
      ['scaler', '--dry-run', '--port', String(await freePort()), '--host', '127.0.0.1', '--influx-url', influx.url, '--service', service, '--require-label', `${testLabel}=${runId}`, '--interval', '60'],
      { REDIS_URL: '' },
    );
    try {
      await waitForStage(scaler, 'the tick to read from InfluxDB', async () => influx.asked().includes('query SELECT'), 15_000);
      const { exitCode, stopMs } = await timedStop(scaler, 'SIGTERM');
      expect(exitCode, scaler.output()).toBe(0);
      const messages = scaler.output().split('\n').filter(Boolean).map((line) => String((JSON.parse(line) as { msg: unknown }).msg));
      expect(messages.slice(messages.indexOf('scaler started in dry-run: deciding and reporting, applying nothing') + 1)).toEqual(['shutting down: waiting for actions in flight, handing the lease back', 'stopped']);
      // Nothing recorded from the cut-short read, so nothing for the writer's 3 s at close.
      expect(influx.asked()).not.toContain('write');
      // Before: 12.7 s (two 5 s reads, then the writer's 3 s). Bounded under one read's 5 s, loosely: the machine is shared.
      expect(stopMs).toBeLessThan(4000);
    } finally {
      await scaler.stop('SIGKILL');
      await influx.close();
    }
  });
});
