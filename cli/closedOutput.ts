/**
 * Ends the process quietly when whoever reads its standard output has gone (`scalewright simulate
 * --all | head -3`): Node ignores SIGPIPE, so the next write fails with EPIPE, and unhandled that
 * ended the command with a stack trace on stderr and exit 1. A Unix tool in that place is ended
 * by SIGPIPE; this exits 0, as there is nobody left to tell anything to.
 */
export function endQuietlyWhenOutputCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
