/**
 * SIGTERM or Ctrl-C while `app` or `worker` loads its modules (0.4 s and more on a loaded machine;
 * neither waits on Redis to start): the signal stops it as cleanly as one arriving later, a
 * 'shutting down' line, nothing started (no Redis connection, no listener), exit 0. Before, the
 * handlers were installed only once everything was loaded and started: a signal in that window
 * ended the process outright, nothing logged (a SIGTERM 1.0 s after the app's start: killed, 143
 * from the shell). The window before the command's action (the CLI's own modules, about 1.2 s
 * here) is signalWhileLoading.test.ts's. The real CLI (dist/), since the signal ends the process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { silentServer } from '../support/failingDependencies.js';
import { logMessages, run, waitForStage } from '../support/processes.js';

describe('a signal while app or worker loads its modules', () => {
  for (const [command, signal] of [['app', 'SIGTERM'], ['worker', 'SIGTERM'], ['app', 'SIGINT'], ['worker', 'SIGINT']] as const) {
    it(`${command}, ${signal}: logs it, starts nothing, exits 0`, async () => {
      // A Redis that never answers: a start that reached it would show in a slow stop.
      const redis = await silentServer();
      const root = await mkdtemp(join(tmpdir(), 'sw-start-signal-'));
      const child = run([command], {
        LOG_LEVEL: 'debug',
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        WORKER_METRICS_PORT: '0',
        DATA_DIR: join(root, 'data'),
        OUTPUT_DIR: join(root, 'output'),
        UPLOAD_DIR: join(root, 'uploads'),
      });
      try {
        await waitForStage(child, 'the command to start loading its modules', async () => logMessages(child.output()).includes('starting: loading the modules'), 20_000);
        const exitCode = await child.stop(signal);
        expect(exitCode, child.output()).toBe(0);
        const said = logMessages(child.output());
        expect(said.some((msg) => msg.startsWith('shutting down')), child.output()).toBe(true);
        expect(said).toContain('stopped while starting: what had been started is stopped, nothing else was started');
        expect(said).toContain('stopped');
        expect(said.some((msg) => msg === 'app listening' || msg === 'worker started')).toBe(false);
        expect(redis.connections()).toBe(0);
      } finally {
        await child.stop('SIGKILL');
        await redis.close();
        await rm(root, { recursive: true, force: true });
      }
    });
  }
});
