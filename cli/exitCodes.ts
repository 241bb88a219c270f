/** Exit codes shared by every subcommand, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed (a dependency unreachable, a job failed, a goal missed). */
  failure: 1,
  /** The command line or the configuration is wrong; nothing was started. */
  usage: 2,
} as const;
