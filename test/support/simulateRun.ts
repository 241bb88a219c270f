import { failureOutcome } from '../../cli/failure.js';
import { simulateCommand } from '../../scaler/simulator/command.js';

/**
 * Runs `scalewright simulate <args>` in this process as the CLI would: what it printed on stdout
 * and stderr (both kept off the test output), and its exit code, a thrown error ended the way
 * cli/main.ts ends it (commander's refusals and ConfigErrors: 2).
 */
export async function simulateRun(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
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
    await simulateCommand()
      .exitOverride()
      .parseAsync(args, { from: 'user' })
      .catch((error: unknown) => {
        const { exitCode, line } = failureOutcome(error);
        if (line !== undefined) process.stderr.write(`${line}\n`);
        process.exitCode = exitCode;
      });
    return { exitCode: Number(process.exitCode ?? 0), ...captured };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.exitCode = undefined;
  }
}
