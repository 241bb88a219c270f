/**
 * A command whose standard output nobody reads any more (`scalewright app | head -1`, a log
 * shipper that died): Node ignores SIGPIPE, so its writes fail with EPIPE. The app still stops on
 * SIGTERM, exit 0: before, its logger's buffered lines were flushed at exit by a loop that retried
 * the failed write for ever, and the stopped app hung at 0% CPU, its grace timer never firing. A
 * command writing its result there ends quietly, exit 0, where it used to die of an unhandled
 * EPIPE with a stack trace and exit 1. The real CLI (dist/).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { CLI, run, waitUntil } from '../support/processes.js';

/** The exit code, or a message if the process is still running after `ms`. */
async function exitWithin(child: { exitCode: number | null; signalCode: string | null; once(event: 'exit', listener: () => void): unknown }, ms: number): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? String(child.signalCode);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await Promise.race([exited, sleep(ms)]);
  return child.exitCode ?? child.signalCode ?? `still running ${ms} ms after the signal`;
}

describe('a command whose standard output has no reader any more', () => {
  it('app: SIGTERM still stops it, exit 0', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sw-closed-output-'));
    const app = run(['app'], {
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      // Redis is not needed to start or to stop.
      REDIS_URL: 'redis://127.0.0.1:1',
      DATA_DIR: join(root, 'data'),
      OUTPUT_DIR: join(root, 'output'),
      UPLOAD_DIR: join(root, 'uploads'),
    });
    try {
      await waitUntil('the app to listen', async () => app.output().includes('app listening'), 30_000);
      // The reader goes: the next log line the app writes (its 'shutting down') meets EPIPE.
      app.child.stdout!.destroy();
      app.child.kill('SIGTERM');
      expect(await exitWithin(app.child, 15_000), app.output()).toBe(0);
    } finally {
      await app.stop('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });

  it('--help: ends quietly, exit 0, nothing on stderr', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Gone before the CLI has loaded, so its first write fails.
    child.stdout.destroy();
    expect(await exitWithin(child, 20_000), stderr).toBe(0);
    expect(stderr).toBe('');
  });
});
