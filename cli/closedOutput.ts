/**
 * Ends the process quietly when whoever reads its standard output has gone (`scalewright simulate
 * --all | head -3`): Node ignores SIGPIPE, so the next write fails with EPIPE, and unhandled that
 * ended the command with a stack trace on stderr and exit 1. A Unix tool in that place is ended
 * by SIGPIPE; this exits 0, as there is nobody left to tell anything to, unless the command has
 * failed already: a failure keeps its exit code (`files evensum` of a bad token: 1, its message on
 * stderr), else `files evensum bad.txt | true` reported success to the script that ran it.
 */
export function endQuietlyWhenOutputCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(exitCodeWithoutReader(process.exitCode));
    throw error;
  });
}

/** The exit code of a command whose output has nobody to read it: the failure it has set already, else 0. */
export function exitCodeWithoutReader(exitCode: number | string | null | undefined): number {
  const code = Number(exitCode ?? 0);
  return Number.isInteger(code) && code > 0 && code < 256 ? code : 0;
}
