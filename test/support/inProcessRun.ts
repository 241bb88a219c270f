import { failureOutcome } from '../../cli/failure.js';

/** What a command run in this process printed, and the exit code it left (undefined: none set, 0). */
export interface InProcessOutcome {
  exitCode: number | string | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in this process as `scalewright` would: stdout and stderr captured (and kept off
 * the test output), a thrown error ended the way cli/main.ts ends it (its exit code and its one
 * line on stderr), and `process.exitCode` reset before and after. The one way the tests run a
 * command in-process (`simulateRun`, `capturingStderr`).
 */
export async function inProcessRun(run: () => Promise<unknown>): Promise<InProcessOutcome> {
  const writes = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  const captured = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    process[stream].write = ((chunk: string | Uint8Array) => {
      captured[stream] += chunk.toString();
      return true;
    }) as typeof process.stdout.write;
  }
  process.exitCode = undefined;
  try {
    await run().catch((error: unknown) => {
      const { exitCode, line } = failureOutcome(error);
      if (line !== undefined) process.stderr.write(`${line}\n`);
      process.exitCode = exitCode;
    });
    return { exitCode: process.exitCode, ...captured };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.exitCode = undefined;
  }
}
