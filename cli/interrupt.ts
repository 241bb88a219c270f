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

/**
 * The handler for a command whose undoing is asynchronous (a demo removing its containers,
 * network and volume): on SIGINT or SIGTERM it runs `teardown`, then exits 130 or 143
 * (`interruptedExitCode`), like `report`: a script or a CI job tells an interrupted run from a
 * failed one (1). The code is the same when the teardown fails: it says itself what it could not
 * remove, and the run was interrupted all the same. Install it with `process.once`.
 */
export function exitAfterTeardown(teardown: () => Promise<void>, exit: (code: number) => void = (code) => process.exit(code)): (signal: InterruptSignal) => void {
  return (signal) => {
    void teardown()
      .catch(() => undefined)
      .then(() => exit(interruptedExitCode(signal)));
  };
}
