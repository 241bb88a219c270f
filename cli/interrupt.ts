import type { Logger } from '../common/logger.js';
import { ExitCode, interruptedExitCode, type InterruptSignal } from './exitCodes.js';

/**
 * Runs a short command's work so that SIGINT (Ctrl-C) or SIGTERM arriving meanwhile undoes what
 * it made before the process ends: `undo` runs (synchronously: nothing else runs after it), one
 * line on stderr says what happened, and the process exits 130 or 143 (`interruptedExitCode`).
 * Without it Node ends at once on either signal, leaving what the work had made half-done.
 * Long-running commands stop cleanly instead (`stopOnSignals`).
 */
export async function undoneIfInterrupted<T>(what: string, undo: () => void, work: () => Promise<T>): Promise<T> {
  const interrupted = (signal: InterruptSignal) => {
    try {
      undo();
    } finally {
      process.stderr.write(`${what} interrupted by ${signal}: what it had made is removed\n`);
      process.exit(interruptedExitCode(signal));
    }
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await work();
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}

/**
 * Runs a short command whose work must not be abandoned halfway (`scaler --once`: a `docker
 * update` it started): SIGINT or SIGTERM aborts the signal `work` gets, which cuts short what it
 * waits on, lets what it had started end, hands back what it holds and settles; the process then
 * exits 130 or 143 (`interruptedExitCode`), logged, like `report`. A second signal meanwhile does
 * not cut that short (it is logged); past `graceMs` the process exits 1, as a stop that outlasts
 * its grace does (`stopOnSignals`). Not interrupted, it resolves with what `work` resolved with,
 * or rejects as it did, the handlers removed again.
 */
export async function finishedIfInterrupted<T>(logger: Logger, what: string, work: (signal: AbortSignal) => Promise<T>, graceMs = 120_000): Promise<T> {
  const interrupt = new AbortController();
  let by: InterruptSignal | undefined;
  let force: NodeJS.Timeout | undefined;
  const interrupted = (signal: InterruptSignal) => {
    if (by) {
      logger.warn({ signal }, `${what}: interrupted already: still waiting for what it started to end`);
      return;
    }
    by = signal;
    logger.info({ signal }, `${what}: interrupted: cutting short what it waits on, waiting for what it started to end`);
    force = setTimeout(() => {
      logger.error({ graceMs }, `${what}: what it started did not end in time; exiting`);
      process.exit(ExitCode.failure);
    }, graceMs);
    force.unref();
    interrupt.abort(new Error(`${what} interrupted by ${signal}`));
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  const settled = await work(interrupt.signal).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (by) {
    clearTimeout(force);
    // A work cut short may reject with the abort's reason: that is the interrupt, not a failure.
    if (!settled.ok && settled.error !== interrupt.signal.reason) logger.error({ err: settled.error }, `${what}: failed while interrupted`);
    logger.info({ signal: by, exitCode: interruptedExitCode(by) }, `${what}: interrupted: stopped`);
    process.exit(interruptedExitCode(by));
  }
  process.removeListener('SIGINT', interrupted);
  process.removeListener('SIGTERM', interrupted);
  if (!settled.ok) throw settled.error;
  return settled.value;
}
