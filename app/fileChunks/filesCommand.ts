import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { bytesVar, ConfigError, envFlagNames, formatByteSize, intVar, readEnv, settingName } from '../../common/env.js';
import { WORDCOUNT_BUDGET_BOUNDS } from '../config.js';
import { inputErrorNamed, requireOutputFile, requireReadableInput, requireSpillFolder } from './filesPaths.js';
import { EXIT_CODES_HELP, ExitCode } from '../../cli/exitCodes.js';
import { finishedIfInterrupted } from '../../cli/interrupt.js';
import { createLogger, type Logger } from '../../common/logger.js';

/**
 * `scalewright files wordcount|evensum`: the large-file engines on a local file, without the
 * queue (for scripts, and to try a budget or a thread count before configuring the workers).
 */
export function filesCommand(): Command {
  const files = new Command('files').description('Word count and even-sum of large files, in bounded memory, from the command line').addHelpText('after', `${EXIT_CODES_HELP}${INTERRUPTED_HELP}`);
  const threads = () =>
    new Option('-t, --threads <n>', 'worker threads (1 = this thread only)').env('LARGE_FILES_THREADS').default('1');
  files.addCommand(
    new Command('wordcount')
      .description('Write every distinct word of INPUT and its count to OUTPUT ("word count" lines, count descending, then word ascending by bytes)')
      .argument('<input>', 'text file to count')
      .argument('<output>', 'result file to write')
      .addOption(threads())
      .addOption(
        new Option('-m, --memory-budget <bytes>', 'bytes for tables and buffers, split between threads (e.g. 32MiB); spills to disk beyond')
          .env('WORDCOUNT_MEMORY_BUDGET')
          .default('32MiB'),
      )
      .addOption(new Option('--tmp-dir <dir>', 'folder for spilled runs').env('WORDCOUNT_TMP_DIR').default(tmpdir()))
      .addHelpText('after', `${EXIT_CODES_HELP}${INTERRUPTED_HELP}`)
      .action(async (input: string, output: string, options: { threads: string; memoryBudget: string; tmpDir: string }, command: Command) => {
        const config = readFilesConfig({ LARGE_FILES_THREADS: options.threads, WORDCOUNT_MEMORY_BUDGET: options.memoryBudget }, command);
        // Bad command line first (exit 2, nothing started), then the input (exit 1, as the help says).
        await requireOutputFile(output);
        requireSpillFolder(settingName('WORDCOUNT_TMP_DIR', envFlagNames(command)), options.tmpDir);
        // The result is written while the input is still read: the same file would be overwritten.
        if (await sameFile(input, output)) throw new ConfigError(`<output> ${JSON.stringify(output)} is the input file itself: writing the result there would destroy the text being counted`);
        await requireReadableInput(input);
        const { countWordsToFile } = await import('../wordcount/index.js');
        const count = (signal: AbortSignal) =>
          countWordsToFile(input, output, { threads: config.LARGE_FILES_THREADS, memoryBudgetBytes: config.WORDCOUNT_MEMORY_BUDGET, tmpDir: options.tmpDir, onProgress: progressOnStderr, signal });
        const result = await finishedIfInterrupted(interruptLogger(), 'files wordcount', count, INTERRUPT_GRACE_MS).catch((error: unknown) => {
          throw inputErrorNamed(input, error);
        });
        process.stdout.write(`${JSON.stringify(result)}\n`);
      }),
  );
  files.addCommand(
    new Command('evensum')
      .description('Print the exact sum of the even integers of INPUT (signed decimal integers separated by whitespace and/or commas)')
      .argument('<input>', 'file of integers')
      .addOption(threads())
      .addHelpText('after', `\nExit codes: 0 the sum, 1 a token that is not an integer (the JSON says where) or a file that cannot be read, 2 bad flags.${INTERRUPTED_HELP}`)
      .action(async (input: string, options: { threads: string }, command: Command) => {
        const config = readFilesConfig({ LARGE_FILES_THREADS: options.threads }, command);
        await requireReadableInput(input);
        const { sumEvenNumbersInFile } = await import('../evensum/index.js');
        const sum = (signal: AbortSignal) => sumEvenNumbersInFile(input, { threads: config.LARGE_FILES_THREADS, onProgress: progressOnStderr, signal });
        const result = await finishedIfInterrupted(interruptLogger(), 'files evensum', sum, INTERRUPT_GRACE_MS).catch((error: unknown) => {
          throw inputErrorNamed(input, error);
        });
        process.stdout.write(`${JSON.stringify(result)}\n`);
        if (!result.ok) process.exitCode = ExitCode.failure;
      }),
  );
  return files;
}

/**
 * The numbers of `files` (only those given: evensum has no budget), read as the app's
 * configuration is: keyed by variable, so that a refusal names the flag and the variable, the value
 * and the range (`--threads (LARGE_FILES_THREADS): expected a whole number from 1 to 64, got "x"`).
 * The budget has the workers' bounds, and at least their floor for each thread: the count splits it
 * between its threads, and a share under the floor was raised to it, saying nothing, past the budget.
 */
const filesConfigSchema = z.object({
  LARGE_FILES_THREADS: intVar(1, 1, 64),
  WORDCOUNT_MEMORY_BUDGET: bytesVar(32 << 20, WORDCOUNT_BUDGET_BOUNDS.min, WORDCOUNT_BUDGET_BOUNDS.max),
}).superRefine(({ LARGE_FILES_THREADS: threads, WORDCOUNT_MEMORY_BUDGET: budget }, ctx) => {
  const least = threads * WORDCOUNT_BUDGET_BOUNDS.min;
  if (budget < least) {
    ctx.addIssue({
      code: 'custom',
      path: ['WORDCOUNT_MEMORY_BUDGET'],
      message: `Too small for ${threads} threads: expected at least ${formatByteSize(least)} (${formatByteSize(WORDCOUNT_BUDGET_BOUNDS.min)} a thread), got ${formatByteSize(budget)}`,
    });
  }
});

function readFilesConfig(values: { LARGE_FILES_THREADS: string; WORDCOUNT_MEMORY_BUDGET?: string }, command: Command): z.infer<typeof filesConfigSchema> {
  return readEnv(filesConfigSchema, values as NodeJS.ProcessEnv, envFlagNames(command));
}

/**
 * Ctrl-C or SIGTERM stops a count where it is: its threads end, its spilled runs and any half-written
 * result are removed (a result file appears only whole, `writeResultFile`), and the command exits 130
 * or 143. Abandoned at once instead, a word count left its spill folder behind (31 MB three seconds
 * into a 139 MB file). Stopping takes a read buffer's time; past the grace the process exits 1.
 */
const INTERRUPT_GRACE_MS = 30_000;

const INTERRUPTED_HELP = ' Interrupted (SIGINT, SIGTERM): 130 or 143, once the count has stopped and removed its spilled runs and any half-written result.';

/** The result goes to stdout: what the interruption says goes to stderr. */
function interruptLogger(): Logger {
  return createLogger('files', undefined, 2);
}

/** Both paths name one existing file (through links too). */
async function sameFile(a: string, b: string): Promise<boolean> {
  const [first, second] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return first !== undefined && second !== undefined && first.dev === second.dev && first.ino === second.ino;
}

function progressOnStderr(bytesDone: number, bytesTotal: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${((100 * bytesDone) / Math.max(1, bytesTotal)).toFixed(0)}% of ${bytesTotal} bytes`);
  if (bytesDone >= bytesTotal && process.stderr.isTTY) process.stderr.write('\n');
}
