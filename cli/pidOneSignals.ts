import { interruptedExitCode, type InterruptSignal } from './exitCodes.js';

/**
 * Whether this process is a container's PID 1 (`docker run` without `--init`). The kernel drops a
 * signal PID 1 has no handler for, so Node's default (end the process) never happens there.
 */
export function runsAsPidOne(pid = process.pid): boolean {
  return pid === 1;
}

/**
 * Stands in, as PID 1, for Node's default on SIGINT and SIGTERM: ends the process with one line
 * on stderr and exit 130 or 143 (`interruptedExitCode`), as Node itself would elsewhere. A command
 * with nothing to stop or undo (`simulate`) leaves the signals to that default; without this,
 * `docker stop` waited its whole timeout and then killed it. A command that listens for the signal
 * itself (`stopOnSignals`, `finishedIfInterrupted`, …) is left to act on it: this one acts only
 * while it is the signal's sole listener. Outside PID 1 it installs nothing.
 */
export function endOnUnhandledSignalsAsPidOne(command: string, pid = process.pid): void {
  if (!runsAsPidOne(pid)) return;
  const handle = (signal: InterruptSignal) => {
    if (process.listenerCount(signal) > 1) return;
    const exitCode = interruptedExitCode(signal);
    process.stderr.write(`${command}: interrupted by ${signal}: exiting ${exitCode}\n`);
    process.exit(exitCode);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
