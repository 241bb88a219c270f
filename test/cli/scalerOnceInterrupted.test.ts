/**
 * `scaler --once` is a short command, like `report`: SIGTERM or Ctrl-C (SIGINT) during its pass
 * cuts short what it waits on in InfluxDB (the schema setup, the pass's reads), decides nothing
 * from what was cut short, waits for the actions it had already started (a `docker update` is
 * never left halfway), hands the lease back, says so, and exits 130 or 143. Before, it installed
 * no handler: the signal ended the process outright, nothing logged, no exit code. The real CLI
 * (dist/), since the signal ends the process.
 */
import { describe, expect, it } from 'vitest';
import { oneManagedContainer, testLabel } from '../actuators/support/fixtures.js';
import { influxThatStopsAnswering, silentServer } from '../support/failingDependencies.js';
import { logMessages, run, timedStop, waitForStage } from '../support/processes.js';

/** A service of one real container, labelled for this run alone: the pass observes it and reads its window. */
const { runId, service } = oneManagedContainer('once-interrupted');
const onceArgs = (influxUrl: string) => ['scaler', '--once', '--dry-run', '--influx-url', influxUrl, '--service', service, '--require-label', `${testLabel}=${runId}`];

describe('scaler --once interrupted', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} while the schema setup waits on a silent InfluxDB: exits ${code} at once, said, nothing started`, async () => {
      const silent = await silentServer();
      // A minute to answer: an exit that waited for the request would show.
      const scaler = run(onceArgs(silent.url), { INFLUX_TIMEOUT_MS: '60000', REDIS_URL: '' });
      try {
        await waitForStage(scaler, 'the schema setup to ask InfluxDB', async () => silent.requests() > 0, 15_000);
        const { exitCode, stopMs } = await timedStop(scaler, signal);
        // Before: null (ended by the signal, nothing logged).
        expect(exitCode, scaler.output()).toBe(code);
        expect(logMessages(scaler.output())).toEqual([
          'scaler --once: interrupted: cutting short what it waits on, waiting for what it started to end',
          'scaler --once: interrupted: stopped',
        ]);
        expect(stopMs).toBeLessThan(5000);
      } finally {
        await scaler.stop('SIGKILL');
        await silent.close();
      }
    });
  }

  it('SIGTERM while the pass reads its window: the read is cut short, nothing decided or written, exits 143', async () => {
    // Answers the schema setup, then never answers: the pass's reads wait (5 s each).
    const influx = await influxThatStopsAnswering();
    const scaler = run(onceArgs(influx.url), { REDIS_URL: '' });
    try {
      await waitForStage(scaler, 'the pass to read from InfluxDB', async () => influx.asked().includes('query SELECT'), 15_000);
      const { exitCode, stopMs } = await timedStop(scaler, 'SIGTERM');
      expect(exitCode, scaler.output()).toBe(143);
      const said = logMessages(scaler.output());
      expect(said.slice(said.indexOf('scaler started in dry-run: deciding and reporting, applying nothing') + 1)).toEqual([
        'scaler --once: interrupted: cutting short what it waits on, waiting for what it started to end',
        'scaler --once: interrupted: no action started; the rest was not decided, the lease is handed back',
        'scaler --once: interrupted: stopped',
      ]);
      const summary = scaler.output().split('\n').find((line) => line.includes('no action started')) ?? '{}';
      expect(JSON.parse(summary)).toMatchObject({ services: [{ service, outcome: 'stopped' }], applied: [] });
      // Not "InfluxDB unreachable", and nothing recorded for the writer to wait on.
      expect(influx.asked()).not.toContain('write');
      expect(stopMs).toBeLessThan(4000);
    } finally {
      await scaler.stop('SIGKILL');
      await influx.close();
    }
  });
});
