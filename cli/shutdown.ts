import type { Logger } from '../common/logger.js';

/**
 * Stops a long-running command cleanly on SIGTERM or SIGINT: logs why, runs `stop` (finish
 * in-flight work, flush, hand leases back), exits 0; exits 1 if that takes longer than `graceMs`
 * or fails. A second signal while stopping is ignored rather than cutting the clean stop short.
 * Returns what removes the handlers again (for a start that failed on its own).
 */
export function stopOnSignals(logger: Logger, what: string, stop: () => Promise<void>, graceMs = 10_000): () => void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `shutting down: ${what}`);
    const force = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    stop().then(
      () => {
        clearTimeout(force);
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
  return () => {
    process.removeListener('SIGTERM', handle);
    process.removeListener('SIGINT', handle);
  };
}

/**
 * Starts a long-running command with `stopOnSignals` in place from the first moment: its start-up
 * can take a while (the collector's and the scaler's InfluxDB schema setup waits up to
 * `INFLUX_TIMEOUT_MS` on a silent server), and a signal then must stop it as cleanly as one that
 * arrives later, not end the process outright with nothing logged. `start` gets a signal aborted
 * at that moment: it cuts short what it waits on, stops what it had started, and rejects.
 * Resolves with the running command, or with undefined when a signal stopped it while it started
 * (the process then exits 0, logged, like any clean stop). A start that fails on its own rejects
 * as before, with the handlers removed again.
 */
export async function startStoppableOnSignals<Running extends { stop(): Promise<void> }>(
  logger: Logger,
  what: string,
  start: (signal: AbortSignal) => Promise<Running>,
  graceMs?: number,
): Promise<Running | undefined> {
  const starting = new AbortController();
  let started: Promise<Running> | undefined;
  const remove = stopOnSignals(
    logger,
    what,
    async () => {
      starting.abort();
      // A start cut short has stopped what it had started itself; one that got to the end is stopped as usual.
      const running = await started?.catch(() => undefined);
      if (running) await running.stop();
      else logger.info('stopped while starting: what had been started is stopped, nothing else was started');
    },
    graceMs,
  );
  started = start(starting.signal);
  try {
    return await started;
  } catch (error) {
    if (starting.signal.aborted) return undefined;
    remove();
    throw error;
  }
}
