/**
 * SIGTERM or Ctrl-C (SIGINT) while the collector or the scaler is still starting: their first
 * InfluxDB schema attempt can wait INFLUX_TIMEOUT_MS on a server that accepts connections and never
 * answers, and an operator (or an orchestrator's `docker stop`) may stop them meanwhile. The signal
 * stops them as cleanly as one arriving later: a 'shutting down' line, what had been started
 * (the /metrics listener) stopped, nothing more started, exit 0, and at once rather than after the
 * attempt's timeout. The real CLI (dist/), since the signal ends the process.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { silentServer, type SilentServer } from '../support/failingDependencies.js';
import { logLines, run, timedStop, waitForStage } from '../support/processes.js';

const runId = randomUUID().slice(0, 8);

describe('a signal while the collector or the scaler waits on its first InfluxDB schema attempt', () => {
  let silent: SilentServer;
  beforeEach(async () => {
    silent = await silentServer();
  });
  afterEach(async () => {
    await silent.close();
  });

  const commands = {
    collector: async () => ['collector', '--port', String(await freePort()), '--host', '127.0.0.1', '--influx-url', silent.url, '--require-label', `scalewright.test.run=${runId}`],
    scaler: async () => [
      'scaler', '--dry-run', '--port', String(await freePort()), '--host', '127.0.0.1', '--influx-url', silent.url,
      '--service', `absent-${runId}`, '--require-label', `scalewright.test.run=${runId}`, '--lease-key', `scalewright:test:${runId}:lease`,
    ],
  };
  const started = { collector: 'collector ready', scaler: 'scaler started' };

  for (const [command, signal] of [['collector', 'SIGTERM'], ['scaler', 'SIGTERM'], ['collector', 'SIGINT'], ['scaler', 'SIGINT']] as const) {
    it(`${command}, ${signal}: logs it, stops what it had started, exits 0, without waiting out the attempt`, async () => {
      // A minute to answer: a stop that waited for the attempt would show.
      const child = run(await commands[command](), { INFLUX_TIMEOUT_MS: '60000', REDIS_URL: '' });
      await waitForStage(child, 'the schema setup to ask InfluxDB', async () => silent.requests() > 0, 15_000);
      const { exitCode, stopMs } = await timedStop(child, signal);
      // Before: the handlers were installed only after the attempt, and the signal ended the process outright (no line, no exit code).
      expect(exitCode, child.output()).toBe(0);
      const messages = logLines(child.output()).map((line) => String(line.msg));
      const shuttingDown = messages.findIndex((msg) => msg.startsWith('shutting down'));
      expect(shuttingDown, child.output()).toBeGreaterThanOrEqual(0);
      expect(logLines(child.output())[shuttingDown]).toMatchObject({ signal });
      expect(messages.slice(shuttingDown + 1)).toEqual(['stopped while starting: what had been started is stopped, nothing else was started', 'stopped']);
      // It never got further, and a stop is not InfluxDB's failure: no "not answering", no "setup failed".
      expect(messages.some((msg) => msg.startsWith(started[command]))).toBe(false);
      expect(messages.some((msg) => /^influxdb (not answering|schema setup failed)/.test(msg))).toBe(false);
      // The attempt would have waited 60 s; the stop itself is a process exit. 5 s leaves a shared, loaded machine room.
      expect(stopMs).toBeLessThan(5000);
    });
  }
});
