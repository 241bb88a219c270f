/**
 * SIGTERM or Ctrl-C while the CLI loads its modules (about 1.2 s here, before any command's action
 * runs): the entry ends the process with one line on stderr and exit 130 or 143, as a shell
 * reports a process the signal ended. Before, Node ended outright with nothing said (the child
 * saw no exit code, only the signal), and as a container's PID 1 it did not end at all (the image
 * test covers that). Once loaded, each command handles the signals itself, or leaves them to Node.
 * The real CLI (dist/), since the signal ends the process; the probe (SIGNAL_LISTENER_PROBE) says
 * when the entry's listener is in place.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { silentServer } from '../support/failingDependencies.js';
import { run, type RunningProcess, SIGNAL_LISTENER_PROBE, waitForStage } from '../support/processes.js';

const TRACES = resolve(import.meta.dirname, '../../../shared/data/traces');

function listenersAdded(child: RunningProcess, signal: 'SIGINT' | 'SIGTERM'): number {
  return child.output().split('\n').filter((line) => line === `probe: a ${signal} listener was added`).length;
}

async function untilTheEntryListens(child: RunningProcess, signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  await waitForStage(child, "the CLI's entry to listen for the signal", async () => listenersAdded(child, signal) >= 1, 20_000);
}

/** The app's settings: its Redis (one that never answers), a free port, its folders under `root`; debug logs. */
async function appEnv(redisPort: number, root: string): Promise<Record<string, string>> {
  return {
    LOG_LEVEL: 'debug',
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATA_DIR: join(root, 'data'),
    OUTPUT_DIR: join(root, 'output'),
    UPLOAD_DIR: join(root, 'uploads'),
  };
}

/**
 * The child's exit code once `signal` is sent; if it has not exited within `withinMs`, an error
 * with what it printed and its signal state from /proc (pending, blocked, ignored, caught), also
 * written to stderr so that a CI log keeps it when the retry passes. CI runs saw this test's child
 * not exit on SIGINT: the signal came while the modules were evaluated and was dropped at the
 * handover to the command (signalHandover.test.ts pins that it no longer is).
 */
async function exitCodeAfter(child: RunningProcess, signal: 'SIGINT' | 'SIGTERM', withinMs = 10_000): Promise<number | null> {
  const exited = child.stop(signal);
  const late = Symbol('late');
  const answer = await Promise.race([exited, sleep(withinMs).then(() => late)]);
  if (answer !== late) return answer as number | null;
  const status = await readFile(`/proc/${child.child.pid}/status`, 'utf8').catch((error: Error) => error.message);
  const state = status.split('\n').filter((line) => /^(State|SigQ|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt|Threads):/.test(line)).join('\n');
  const report = `the child had not exited ${withinMs} ms after ${signal}\n${state}\noutput:\n${child.output()}`;
  process.stderr.write(`${report}\n`);
  throw new Error(report);
}

describe('a signal while the CLI loads its modules', () => {
  for (const [signal, exitCode] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`app, ${signal} while the CLI loads its modules: one line, nothing started, exit ${exitCode}`, { retry: 1 }, async () => {
      const redis = await silentServer();
      const root = await mkdtemp(join(tmpdir(), 'sw-loading-signal-'));
      const child = run(['app'], await appEnv(redis.port, root), SIGNAL_LISTENER_PROBE);
      try {
        await untilTheEntryListens(child, signal);
        expect(await exitCodeAfter(child, signal), child.output()).toBe(exitCode);
        expect(child.child.signalCode).toBeNull();
        expect(child.output()).toContain(`scalewright app: interrupted by ${signal} while loading: exiting ${exitCode}\n`);
        // The signal came before the app's own action: it had added no listener of its own, logged nothing, opened nothing.
        expect(listenersAdded(child, signal), child.output()).toBe(1);
        expect(child.output()).not.toContain('starting: loading the modules');
        expect(redis.connections()).toBe(0);
      } finally {
        await child.stop('SIGKILL');
        await redis.close();
        await rm(root, { recursive: true, force: true });
      }
    });
  }

  it('simulate, a command with nothing to stop or undo, is left to Node once loaded: SIGINT ends it at once, in the middle of a replay on the main thread', async () => {
    const child = run(['simulate', '--all', TRACES, '--jobs', '1'], {}, SIGNAL_LISTENER_PROBE);
    try {
      // Its progress line comes once the replays have begun; the three long ones take tens of seconds each.
      await waitForStage(child, 'the replays to begin', async () => child.output().includes('simulating 6 traces'), 20_000);
      await sleep(1_000);
      await child.stop('SIGINT');
      // Ended by the signal itself: a listener would have waited for the replay to yield.
      expect(child.child.signalCode, child.output()).toBe('SIGINT');
      expect(child.output()).not.toContain('interrupted by SIGINT');
    } finally {
      await child.stop('SIGKILL');
    }
  });

  it('a command with handling of its own decides once loaded: app, loading its own modules, stops cleanly with exit 0', async () => {
    const redis = await silentServer();
    const root = await mkdtemp(join(tmpdir(), 'sw-loading-signal-'));
    const child = run(['app'], await appEnv(redis.port, root), SIGNAL_LISTENER_PROBE);
    try {
      // The entry's listener (removed once the CLI is loaded), then the app's own.
      await waitForStage(child, "the app's own listener", async () => listenersAdded(child, 'SIGTERM') >= 2, 20_000);
      expect(await child.stop('SIGTERM'), child.output()).toBe(0);
      expect(child.output()).toContain('stopped while starting');
      expect(child.output()).not.toContain('interrupted by SIGTERM while loading');
    } finally {
      await child.stop('SIGKILL');
      await redis.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
