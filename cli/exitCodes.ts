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
