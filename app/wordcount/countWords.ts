import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ByteRange } from '../fileChunks/byteRange.js';
import { splitEvenly } from '../fileChunks/byteRange.js';
import { readOwnedTokens, TokenTooLongError } from '../fileChunks/ownedTokens.js';
import { ASCII_WHITESPACE, separatorTable } from '../fileChunks/separators.js';
import { throttledProgress } from '../fileChunks/progress.js';
import { throwIfAborted } from '../fileChunks/abort.js';
import { tokenLength } from '../fileChunks/tokenLength.js';
import { canStartWorkers, runHereAndInWorkers, threadCount } from '../fileChunks/threadedRanges.js';
import { WordTable } from './wordTable.js';
import { RunReader, RunWriter } from './runFile.js';
import { writeResultFile } from './textOutput.js';
import { BufferPool, mergeRuns, tmpRunPath, type MergeLimits } from './mergeRuns.js';
import { byWord } from './recordOrder.js';
import { CountOrderSorter } from './countOrderSorter.js';
import type { RecordSink } from './recordSink.js';

export interface WordCountOptions {
  /**
   * Bytes for the counter's own data: hash table, word arena, read and write buffers, merge
   * buffers. Split evenly between threads. The JavaScript runtime itself comes on top.
   */
  memoryBudgetBytes: number;
  /** Where spilled runs go (a unique subfolder is made and removed for each call). */
  tmpDir: string;
  /** Worker threads for `countWordsToFile` (1 = in this thread). */
  threads: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  signal?: AbortSignal;
}

/** The range worker's input (worker threads take plain data). */
export interface WordCountTask {
  inputPath: string;
  range: ByteRange;
  runPath: string;
  memoryBudgetBytes: number;
  tmpDir: string;
}

const WORD_SEPARATORS = separatorTable(ASCII_WHITESPACE);
/** Below this, starting worker threads costs more than it saves. */
const MIN_BYTES_PER_THREAD = 4 << 20;
/** The least memory budget a count runs on (a smaller one is refused by the settings that take it: app/config.ts). */
export const MIN_BUDGET = 64 << 10;

/** The most memory budget a count is given (the settings that take one refuse more: app/config.ts). */
export const MAX_BUDGET = 4 * 2 ** 30;

/** How one budget is shared between I/O buffers and the table. */
function shareBudget(budget: number): { ioBytes: number; tableBytes: number } {
  const total = Math.max(MIN_BUDGET, Math.floor(budget));
  const ioBytes = clamp(Math.floor(total / 16), 4096, 1 << 20);
  return { ioBytes, tableBytes: total - 2 * ioBytes };
}

/**
 * The longest word a thread counts with `threadBudget` bytes: half its table's share, since the
 * word is in the read buffer and in the table at once. The read and the write buffer take a
 * sixteenth of the budget each (at most 1 MiB each), so that is 7/16 of the budget up to 16 MiB
 * a thread, and half of it less 1 MiB above: 28672 bytes at 64 KiB, 15 MiB at 32 MiB. A
 * longer word is refused (`TokenTooLongError`), by the reader before the table sees it.
 */
export function longestWord(threadBudget: number): number {
  return Math.floor(shareBudget(threadBudget).tableBytes / 2);
}

/**
 * The least budget, for one thread, whose `longestWord` is `length` or more: in whole KiB below
 * 1 MiB, in whole MiB from there, for a message to suggest.
 */
export function budgetForWord(length: number): number {
  const unit = length < 448 << 10 ? 1 << 10 : 1 << 20;
  // 7/16 of the budget up to 16 MiB (7 MiB words), then half of it less 1 MiB.
  const exact = length <= 7 << 20 ? Math.ceil((length * 16) / 7) : 2 * length + (2 << 20);
  let budget = Math.max(MIN_BUDGET, Math.ceil(exact / unit) * unit);
  while (longestWord(budget) < length) budget += unit;
  return budget;
}

/**
 * `countWordsToFile`'s refusal of a word longer than its budget takes, with what it would take:
 * the word's length (undefined when it is longer than any budget takes: the file was not read
 * further), the budget that would count it split between as many threads (`neededBudgetBytes`)
 * and with one thread (`oneThreadBudgetBytes`), each undefined when over `MAX_BUDGET`.
 */
export class WordTooLongError extends TokenTooLongError {
  override name = 'WordTooLongError';
  readonly neededBudgetBytes: number | undefined;
  readonly oneThreadBudgetBytes: number | undefined;
  constructor(
    offset: number,
    limit: number,
    readonly length: number | undefined,
    readonly budgetBytes: number,
    readonly threads: number,
    formatBytes: (bytes: number) => string,
  ) {
    super(offset, limit);
    const perThread = length === undefined ? undefined : budgetForWord(length);
    this.oneThreadBudgetBytes = perThread !== undefined && perThread <= MAX_BUDGET ? perThread : undefined;
    this.neededBudgetBytes = perThread !== undefined && perThread * threads <= MAX_BUDGET ? perThread * threads : undefined;
    const budget = `a memory budget of ${formatBytes(budgetBytes)}${threads > 1 ? ` split between ${threads} threads` : ''}`;
    this.message = `a word starting at byte ${offset} is ${wordLengthText(length)} long, longer than the ${limit} bytes ${budget} takes; ${this.advice(formatBytes)}`;
  }

  /** What would count the word: a bigger budget (with one thread, if the threads' shares cannot be that big), or nothing. */
  advice(formatBytes: (bytes: number) => string): string {
    if (this.neededBudgetBytes !== undefined) return `a budget of ${formatBytes(this.neededBudgetBytes)} or more counts it`;
    if (this.oneThreadBudgetBytes !== undefined) return `with one thread, a budget of ${formatBytes(this.oneThreadBudgetBytes)} or more counts it`;
    return `no budget counts it (${formatBytes(MAX_BUDGET)}, the most, takes words of up to ${longestWord(MAX_BUDGET)} bytes)`;
  }
}

/** A word's length as a refusal says it: "40000 bytes", or "over 2146435072 bytes" past what was read of it. */
export function wordLengthText(length: number | undefined): string {
  return length === undefined ? `over ${longestWord(MAX_BUDGET)} bytes` : `${length} bytes`;
}

/**
 * A word too long for the count's budget, measured, and the budget that would count it: a
 * refusal that said only "longer than 28672 bytes" left the operator to guess how much more to
 * give (and the limit is 7/16 of the budget, not the half one would guess). The word is read to
 * its end (up to the longest any budget takes: 2 GiB at most, on this failure's path only).
 */
async function wordTooLong(inputPath: string, refused: TokenTooLongError, budget: number, threads: number, signal: AbortSignal | undefined): Promise<WordTooLongError> {
  const length = await tokenLength(inputPath, refused.offset, WORD_SEPARATORS, longestWord(MAX_BUDGET), signal);
  // Loaded here, on this failure's path: worker threads load this module too, and need nothing of the settings' module.
  const { formatByteSize } = await import('../../common/env.js');
  return new WordTooLongError(refused.offset, longestWord(budget / threads), length, budget, threads, formatByteSize);
}

/** A word the reader or the table refused, here or in a worker thread (which passes its offset on). */
function isTokenTooLong(error: unknown): error is TokenTooLongError {
  return error instanceof Error && error.name === 'TokenTooLongError' && typeof (error as TokenTooLongError).offset === 'number';
}

function mergeLimits(budget: number, tmpDir: string, signal: AbortSignal | undefined): MergeLimits {
  const total = Math.max(MIN_BUDGET, Math.floor(budget));
  const readBufferBytes = clamp(Math.floor(total / 128), 4096, 256 << 10);
  const fanIn = clamp(Math.floor(total / 2 / readBufferBytes), 2, 64);
  return { fanIn, readBufferBytes, tmpDir, signal, pool: new BufferPool() };
}

function clamp(n: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, n));
}

/**
 * Counts the words a range owns (those starting inside it) and writes them, sorted by word, as
 * one run to `runPath`. When the table reaches the budget it spills sorted runs to a private
 * folder in `tmpDir` and merges them into `runPath` at the end.
 */
export async function countWordsInRange(
  inputPath: string,
  range: ByteRange,
  runPath: string,
  options: WordCountOptions,
): Promise<{ totalWords: number; bytes: number }> {
  const { totalWords, bytes } = await countRangeToRun(inputPath, range, runPath, options);
  return { totalWords, bytes };
}

/** What a helper thread reports about the run it wrote. */
export interface RangeRunStats {
  totalWords: number;
  bytes: number;
  /** Records in the run, and the bytes of their words: enough to tell if they fit in a table. */
  records: number;
  wordBytes: number;
}

/** `countWordsInRange`, also reporting the run's size (used to merge small runs in memory). */
export async function countRangeToRun(
  inputPath: string,
  range: ByteRange,
  runPath: string,
  options: WordCountOptions,
): Promise<RangeRunStats> {
  const work = await mkdtemp(join(options.tmpDir, 'wordcount-range-'));
  try {
    const counted = await countIntoTable(inputPath, range, work, options);
    const { table, spills, ioBytes } = counted;
    const writer = await RunWriter.create(runPath, ioBytes);
    try {
      if (spills.length === 0) {
        await writeTable(table, table.sortedByWord(), writer);
      } else {
        if (table.distinctWords > 0) spills.push(await spill(table, work, ioBytes));
        table.release();
        await mergeRuns(spills, writer, byWord, true, mergeLimits(options.memoryBudgetBytes, work, options.signal), true);
      }
    } finally {
      await writer.close();
    }
    return { totalWords: table.totalWords, bytes: range.end - range.start, records: writer.records, wordBytes: writer.wordBytes };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Merges runs made by `countWordsInRange` (any number: they are merged `fanIn` at a time) into
 * the result file: `word count` lines, count descending, then word ascending by bytes. The input
 * runs are left in place for the caller to remove.
 */
export async function mergeWordCountRuns(
  runPaths: string[],
  outputPath: string,
  options: WordCountOptions,
): Promise<{ distinctWords: number; totalWords: number }> {
  const work = await mkdtemp(join(options.tmpDir, 'wordcount-merge-'));
  try {
    const half = Math.floor(Math.max(MIN_BUDGET, options.memoryBudgetBytes) / 2);
    const limits = mergeLimits(half, work, options.signal);
    const sorter = new CountOrderSorter(half, limits);
    await mergeRuns(runPaths, sorter, byWord, true, limits, false);
    const output = await writeResultFile(outputPath, limits.readBufferBytes * 4, (sink) => sorter.finish(sink));
    return { distinctWords: output.lines, totalWords: output.totalWords };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Counts every word of a file into the result file (see `mergeWordCountRuns` for its format).
 * With `threads` > 1 (and a file big enough to be worth it) the file is split into that many
 * ranges: this thread counts the first into its table while worker threads count the others into
 * runs (compiled build only; from TypeScript sources they run here in turn). When the runs fit
 * beside the table they are added into it and one in-memory sort writes the result; otherwise
 * everything goes through the bounded merge.
 */
export async function countWordsToFile(
  inputPath: string,
  outputPath: string,
  options: WordCountOptions,
): Promise<{ distinctWords: number; totalWords: number; bytes: number }> {
  const { size } = await stat(inputPath);
  const threads = threadCount(options.threads, 64);
  const parts = Math.min(threads, Math.max(1, Math.floor(size / MIN_BYTES_PER_THREAD)));
  const counting = parts > 1 ? countInRanges(inputPath, outputPath, size, splitEvenly(size, parts), options) : countInOneRange(inputPath, outputPath, size, options);
  // A word too long for the budget is refused with its length and the budget that would count it.
  return counting.catch(async (error: unknown) => {
    throw isTokenTooLong(error) ? await wordTooLong(inputPath, error, options.memoryBudgetBytes, parts, options.signal) : error;
  });
}

/** `countWordsToFile` in this thread: the whole file as one range. */
async function countInOneRange(
  inputPath: string,
  outputPath: string,
  size: number,
  options: WordCountOptions,
): Promise<{ distinctWords: number; totalWords: number; bytes: number }> {
  const work = await mkdtemp(join(options.tmpDir, 'wordcount-'));
  try {
    const { table, spills, ioBytes } = await countIntoTable(inputPath, { start: 0, end: size }, work, options);
    if (spills.length === 0) {
      // The common case: the vocabulary fits, one in-memory sort, no run files at all.
      await writeResultFile(outputPath, ioBytes, (output) => writeTable(table, table.sortedByCount(), output));
      return { distinctWords: table.distinctWords, totalWords: table.totalWords, bytes: size };
    }
    if (table.distinctWords > 0) spills.push(await spill(table, work, ioBytes));
    table.release();
    const half = Math.floor(Math.max(MIN_BUDGET, options.memoryBudgetBytes) / 2);
    const limits = mergeLimits(half, work, options.signal);
    const sorter = new CountOrderSorter(half, limits);
    await mergeRuns(spills, sorter, byWord, true, limits, true);
    const output = await writeResultFile(outputPath, ioBytes, (sink) => sorter.finish(sink));
    return { distinctWords: output.lines, totalWords: output.totalWords, bytes: size };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function countInRanges(
  inputPath: string,
  outputPath: string,
  size: number,
  ranges: ByteRange[],
  options: WordCountOptions,
): Promise<{ distinctWords: number; totalWords: number; bytes: number }> {
  const work = await mkdtemp(join(options.tmpDir, 'wordcount-threads-'));
  try {
    const progress = throttledProgress(options.onProgress, size);
    const perThread = Math.floor(options.memoryBudgetBytes / ranges.length);
    const tasks: WordCountTask[] = ranges.map((range, k) => ({
      inputPath,
      range,
      runPath: join(work, `range-${k}.run`),
      memoryBudgetBytes: perThread,
      tmpDir: work,
    }));
    const taskOptions = (task: WordCountTask, onProgress: (d: number) => void, signal: AbortSignal): WordCountOptions => ({
      memoryBudgetBytes: task.memoryBudgetBytes,
      tmpDir: task.tmpDir,
      threads: 1,
      onProgress,
      signal,
    });
    const { here, helpers } = await runHereAndInWorkers<WordCountTask, Counted, RangeRunStats>(
      canStartWorkers(import.meta.url) ? new URL('./wordCountWorker.js', import.meta.url) : undefined,
      tasks[0]!,
      tasks.slice(1),
      {
        here: (task, onProgress, signal) => countIntoTable(task.inputPath, task.range, work, taskOptions(task, onProgress, signal)),
        helperHere: (task, onProgress, signal) =>
          countRangeToRun(task.inputPath, task.range, task.runPath, taskOptions(task, onProgress, signal)),
      },
      { signal: options.signal, onProgress: progress },
    );
    progress(size);
    const helperRuns = tasks.slice(1).map((t) => t.runPath);
    const { table, spills, ioBytes } = here;

    // The common case: this thread's table did not spill and the helpers' runs fit beside it.
    table.raiseBudget(shareBudget(options.memoryBudgetBytes).tableBytes);
    const records = helpers.reduce((n, h) => n + h.records, 0);
    const wordBytes = helpers.reduce((n, h) => n + h.wordBytes, 0);
    if (spills.length === 0 && table.hasRoomFor(records, wordBytes)) {
      for (const run of helperRuns) {
        const reader = await RunReader.open(run, ioBytes);
        try {
          while (reader.nextBuffered() || (await reader.next())) {
            if (!table.addCounted(reader.bytes, reader.offset, reader.length, reader.count)) {
              throw new Error('internal: a run did not fit in a table that had room for it');
            }
          }
        } finally {
          await reader.close();
        }
      }
      await writeResultFile(outputPath, ioBytes, (output) => writeTable(table, table.sortedByCount(), output));
      return { distinctWords: table.distinctWords, totalWords: table.totalWords, bytes: size };
    }

    if (table.distinctWords > 0) spills.push(await spill(table, work, ioBytes));
    table.release();
    const merged = await mergeWordCountRuns([...spills, ...helperRuns], outputPath, { ...options, tmpDir: work });
    return { ...merged, bytes: size };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface Counted {
  table: WordTable;
  spills: string[];
  ioBytes: number;
}

/** Scans a range into a table, spilling sorted runs into `work` whenever the table is full. */
async function countIntoTable(
  inputPath: string,
  range: ByteRange,
  work: string,
  options: WordCountOptions,
): Promise<Counted> {
  const { ioBytes, tableBytes } = shareBudget(options.memoryBudgetBytes);
  const table = new WordTable(tableBytes);
  const spills: string[] = [];
  const progress = throttledProgress(options.onProgress, range.end - range.start);
  const file = await open(inputPath, 'r');
  try {
    const slices = readOwnedTokens(file, range, WORD_SEPARATORS, {
      bufferBytes: ioBytes,
      maxTokenBytes: Math.floor(tableBytes / 2),
      signal: options.signal,
    });
    for await (const slice of slices) {
      let at = slice.from;
      while ((at = table.scan(slice.bytes, at, slice.to)) < slice.to) {
        // Not reached: the reader refuses a word longer than this, and an empty table takes it (`WordTable.startOverFor`).
        if (table.distinctWords === 0) {
          throw new TokenTooLongError(slice.offset + (at - slice.from), Math.floor(tableBytes / 2));
        }
        throwIfAborted(options.signal);
        spills.push(await spill(table, work, ioBytes));
      }
      progress(Math.min(range.end, slice.offset + slice.to - slice.from) - range.start);
    }
    progress(range.end - range.start);
    return { table, spills, ioBytes };
  } finally {
    await file.close();
  }
}

/** Writes the table as a run sorted by word, then empties it. */
async function spill(table: WordTable, work: string, ioBytes: number): Promise<string> {
  const path = tmpRunPath(work, 'spill');
  const writer = await RunWriter.create(path, ioBytes, spillBuffers.get(table));
  try {
    await writeTable(table, table.sortedByWord(), writer);
  } finally {
    await writer.close();
  }
  spillBuffers.set(table, writer.buffer);
  table.reset();
  return path;
}

/** One write buffer per table, reused by all its spills. */
const spillBuffers = new WeakMap<WordTable, Buffer>();

async function writeTable(table: WordTable, ids: Int32Array, sink: RecordSink): Promise<void> {
  const arena = table.arenaBytes;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    if (sink.add(arena, table.offsetOf(id), table.lengthOf(id), table.countOf(id))) await sink.flush();
  }
  await sink.flush();
}
