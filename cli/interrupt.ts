import { interruptedExitCode, type InterruptSignal } from './exitCodes.js';

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
