import { simulateCommand } from '../../scaler/simulator/command.js';
import { inProcessRun } from './inProcessRun.js';

/**
 * Runs `scalewright simulate <args>` in this process as the CLI would: what it printed on stdout
 * and stderr (both kept off the test output), and its exit code, a thrown error ended the way
 * cli/main.ts ends it (commander's refusals and ConfigErrors: 2).
 */
export async function simulateRun(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const outcome = await inProcessRun(() => simulateCommand().exitOverride().parseAsync(args, { from: 'user' }));
  return { ...outcome, exitCode: Number(outcome.exitCode ?? 0) };
}
