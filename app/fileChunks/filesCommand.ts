import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { bytesVar, ConfigError, envFlags, formatByteSize, type EnvFlags, intVar, readEnv, settingName } from '../../common/env.js';
import { WORDCOUNT_BUDGET_BOUNDS } from '../config.js';
import { inputErrorNamed, outputErrorNamed, requireOutputFile, requireReadableInput, requireSpillFolder } from './filesPaths.js';
import { ExitCode } from '../../cli/exitCodes.js';
import { decimalNumber } from '../../common/decimalNumber.js';
import { finishedIfInterrupted } from '../../cli/interrupt.js';
import { createLogger, type Logger } from '../../common/logger.js';
import type { WordTooLongError } from '../wordcount/index.js';

/**
 * `scalewright files wordcount|evensum`: the large-file engines on a local file, without the
 * queue (for scripts, and to try a budget or a thread count before configuring the workers).
 */
export function filesCommand(): Command {
  const files = new Command('files').description('Word count and even-sum of large files, in bounded memory, from the command line').addHelpText('after', FILES_HELP);
  const threads = () =>
    new Option('-t, --threads <n>', 'worker threads (1 = this thread only)').env('LARGE_FILES_THREADS').default('1');
  files.addCommand(
    new Command('wordcount')
      .description('Write every distinct word of INPUT and its count to OUTPUT ("word count" lines, count descending, then word ascending by bytes)')
      .argument('<input>', 'text file to count (a regular file: it is read by byte ranges)')
      .argument('<output>', 'result file to write')
      .addOption(threads())
      .addOption(
        new Option('-m, --memory-budget <bytes>', 'bytes for tables and buffers, split between threads (e.g. 32MiB); spills to disk beyond; a word may be 7/16 of a thread\'s share (less above 16MiB a thread)')
          .env('WORDCOUNT_MEMORY_BUDGET')
          .default('32MiB'),
      )
      .addOption(new Option('--tmp-dir <dir>', 'folder for spilled runs').env('WORDCOUNT_TMP_DIR').default(tmpdir()))
      .addHelpText('after', WORDCOUNT_HELP)
      .action(async (input: string, output: string, options: { threads: string; memoryBudget: string; tmpDir: string }, command: Command) => {
        const config = readFilesConfig({ LARGE_FILES_THREADS: options.threads, WORDCOUNT_MEMORY_BUDGET: options.memoryBudget }, command);
        // Bad command line first (exit 2, nothing started), then the input (exit 1, as the help says).
        await requireOutputFile(output);
        requireSpillFolder(settingName('WORDCOUNT_TMP_DIR', envFlags(command)), options.tmpDir);
        // The result is written while the input is still read: the same file would be overwritten.
        if (await sameFile(input, output)) throw new ConfigError(`<output> ${JSON.stringify(output)} is the input file itself: writing the result there would destroy the text being counted`);
        await requireReadableInput(input);
        const { countWordsToFile, WordTooLongError, wordLengthText } = await import('../wordcount/index.js');
        const count = (signal: AbortSignal) =>
          countWordsToFile(input, output, { threads: config.LARGE_FILES_THREADS, memoryBudgetBytes: config.WORDCOUNT_MEMORY_BUDGET, tmpDir: options.tmpDir, onProgress: progressOnStderr, signal });
        const result = await finishedIfInterrupted(interruptLogger(), 'files wordcount', count, INTERRUPT_GRACE_MS).catch(async (error: unknown) => {
          if (error instanceof WordTooLongError) throw new Error(wordTooLongLine(input, error, envFlags(command), wordLengthText));
          throw outputErrorNamed(output, inputErrorNamed(input, error));
        });
        process.stdout.write(`${JSON.stringify(result)}\n`);
      }),
  );
  files.addCommand(
    new Command('evensum')
      .description('Print the exact sum of the even integers of INPUT (signed decimal integers separated by whitespace and/or commas)')
      .argument('<input>', 'file of integers (a regular file: it is read by byte ranges)')
      .addOption(threads())
      .addHelpText('after', EVENSUM_HELP)
      .action(async (input: string, options: { threads: string }, command: Command) => {
        const config = readFilesConfig({ LARGE_FILES_THREADS: options.threads }, command);
        await requireReadableInput(input);
        const { sumEvenNumbersInFile } = await import('../evensum/index.js');
        const sum = (signal: AbortSignal) => sumEvenNumbersInFile(input, { threads: config.LARGE_FILES_THREADS, onProgress: progressOnStderr, signal });
        const result = await finishedIfInterrupted(interruptLogger(), 'files evensum', sum, INTERRUPT_GRACE_MS).catch((error: unknown) => {
          throw numberTooLong(input, inputErrorNamed(input, error));
        });
        if (!result.ok) {
          // Said on stderr as any failure is, and its exit code set before the result is written:
          // with nobody left to read stdout (`| true`), the command still exits 1, not 0.
          process.exitCode = ExitCode.failure;
          process.stderr.write(`error: ${result.error} of ${INPUT} ${input}\n`);
        }
        process.stdout.write(`${JSON.stringify(result)}\n`);
      }),
  );
  return files;
}

const INPUT = '<input>';

/**
 * What the exit codes of `files` mean; its commands' failures are of their own (no dependency,
 * no port), so not the shared line of the long-running commands.
 */
const WORDCOUNT_EXIT_CODES =
  '0 the result is written, 1 the count failed (an INPUT that cannot be read or is not a regular file, a word longer than the memory budget takes, a result that cannot be written), 2 bad flags, or an OUTPUT or --tmp-dir that cannot take what is written there (nothing was started).';
const EVENSUM_EXIT_CODES =
  '0 the sum, 1 a token that is not an integer (the JSON says where, and one line on stderr) or an INPUT that cannot be read or is not a regular file, 2 bad flags (nothing was started).';
const WORDCOUNT_INTERRUPTED = 'Interrupted (SIGINT, SIGTERM): 130 or 143, once the count has stopped and removed its spilled runs and any half-written result.';
const EVENSUM_INTERRUPTED = 'Interrupted (SIGINT, SIGTERM): 130 or 143, once the sum has stopped.';
const OUTPUT_HELP = 'The result goes to stdout; a failure to stderr, one line, and what an interruption does as JSON log lines.';
const WORDCOUNT_HELP = `\nExit codes: ${WORDCOUNT_EXIT_CODES} ${WORDCOUNT_INTERRUPTED}\n${OUTPUT_HELP}`;
const EVENSUM_HELP = `\nExit codes: ${EVENSUM_EXIT_CODES} ${EVENSUM_INTERRUPTED}\n${OUTPUT_HELP}`;
const FILES_HELP = `\nExit codes: 0 success, 1 the run failed, 2 bad flags or paths (nothing was started), 130 or 143 interrupted (SIGINT, SIGTERM).\nOf wordcount: ${WORDCOUNT_EXIT_CODES} ${WORDCOUNT_INTERRUPTED}\nOf evensum: ${EVENSUM_EXIT_CODES} ${EVENSUM_INTERRUPTED}\n${OUTPUT_HELP}`;

/**
 * The line for a word longer than the budget takes: where it is, how long, and the budget that
 * would count it (`WordTooLongError`), with the flag and the variable that set it.
 */
function wordTooLongLine(input: string, error: WordTooLongError, flags: EnvFlags, wordLengthText: (length: number | undefined) => string): string {
  const { offset, length, limit, budgetBytes, threads } = error;
  const budget = `a memory budget of ${formatByteSize(budgetBytes)}${threads > 1 ? ` split between ${threads} threads` : ''}`;
  const setting = `${flags.WORDCOUNT_MEMORY_BUDGET?.flag ?? '--memory-budget'}, WORDCOUNT_MEMORY_BUDGET`;
  const more = error.oneThreadBudgetBytes === undefined ? '' : ` (${setting}${error.neededBudgetBytes === undefined ? ', and --threads 1' : ''})`;
  return `a word starting at byte ${offset} of ${INPUT} ${input} is ${wordLengthText(length)} long, longer than the ${limit} bytes ${budget} takes; ${error.advice(formatByteSize)}${more}`;
}

/** Even-sum reads a number of 64 MiB at most: a longer token is refused, said naming the input. */
function numberTooLong(input: string, error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'TokenTooLongError') return error;
  const { offset, limit } = error as Error & { offset: number; limit: number };
  return new Error(`a token starting at byte ${offset} of ${INPUT} ${input} is longer than ${limit} bytes (${formatByteSize(limit)}), the longest number even-sum reads`);
}

/** The most threads a count is split between. */
const MAX_THREADS = 64;

/**
 * The numbers of `files` (only those given: evensum has no budget), read as the app's
 * configuration is: keyed by variable, so that a refusal names the flag and the variable, the value
 * and the range (`--threads (LARGE_FILES_THREADS): expected a whole number from 1 to 64, got "x"`).
 * The budget has the workers' bounds, and at least their floor for each thread: the count splits it
 * between its threads, and a share under the floor was raised to it, saying nothing, past the budget.
 */
const filesConfigSchema = z.object({
  LARGE_FILES_THREADS: intVar(1, 1, MAX_THREADS),
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
  requireNumbersAsTyped(command);
  return readEnv(filesConfigSchema, values as NodeJS.ProcessEnv, envFlags(command));
}

/**
 * A number given as a flag is taken as typed, as `simulate`'s are (`decimalNumber`): `-t " 2"`
 * was read as 2 and `-t ""` as the default, the blanks dropped as the readers of variables drop
 * them (`intVar`, `bytesVar`). From its variable the same setting is read as every variable is.
 * The refusal is the one a value that is no number gets.
 */
function requireNumbersAsTyped(command: Command): void {
  const flags = envFlags(command);
  for (const { key, variable, numberIn, expected } of NUMBER_FLAGS) {
    if (command.getOptionValueSource(key) !== 'cli') continue;
    const value = String(command.getOptionValue(key));
    if (Number.isNaN(decimalNumber(numberIn(value)))) {
      throw new ConfigError(`invalid configuration: ${settingName(variable, flags)}: ${expected}, got ${JSON.stringify(value)}`);
    }
  }
}

/** The numeric flags of `files`: which part of each value is the number, and what a refusal says is expected. */
const NUMBER_FLAGS: readonly { key: string; variable: string; numberIn: (value: string) => string; expected: string }[] = [
  { key: 'threads', variable: 'LARGE_FILES_THREADS', numberIn: (value) => value, expected: `expected a whole number from 1 to ${MAX_THREADS}` },
  {
    key: 'memoryBudget',
    variable: 'WORDCOUNT_MEMORY_BUDGET',
    // The number before the unit: `64KiB`, not `64 KiB` nor ` 64KiB`.
    numberIn: (value) => value.replace(/[A-Za-z]+$/, ''),
    expected: `not a byte size: expected a size from ${formatByteSize(WORDCOUNT_BUDGET_BOUNDS.min)} to ${formatByteSize(WORDCOUNT_BUDGET_BOUNDS.max)} (a number of bytes, or with a unit: 1048576, 10MB, 2GiB)`,
  },
];

/**
 * Ctrl-C or SIGTERM stops a count where it is: its threads end, its spilled runs and any half-written
 * result are removed (a result file appears only whole, `writeResultFile`), and the command exits 130
 * or 143. Abandoned at once instead, a word count left its spill folder behind (31 MB three seconds
 * into a 139 MB file). Stopping takes a read buffer's or a merge step's time, and removing the runs
 * some 30 µs each; past the grace the process exits 1.
 */
const INTERRUPT_GRACE_MS = 30_000;

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
