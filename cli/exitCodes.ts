import { constants } from 'node:os';

/** Exit codes shared by every subcommand, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed (a dependency unreachable, a job failed, a goal missed). */
  failure: 1,
  /** The command line or the configuration is wrong; nothing was started. */
  usage: 2,
} as const;

/** The help's last line for a command with nothing to add to the shared exit codes. */
export const EXIT_CODES_HELP =
  '\nExit codes: 0 ok, 1 the command ran and failed (a dependency unreachable, a port in use, a file that cannot be read), 2 bad flags or configuration (nothing was started).';

/** The signals a command is interrupted by: Ctrl-C, and `kill`, `docker stop` or an orchestrator. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/**
 * A command interrupted before it could finish exits 128 + the signal's number, the code a shell
 * gives a process the signal ended: 130 for SIGINT, 143 for SIGTERM. A script can tell it from a
 * failure (1) and from success (0).
 */
export function interruptedExitCode(signal: InterruptSignal): number {
  return 128 + constants.signals[signal];
}
