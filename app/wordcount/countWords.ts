import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ByteRange } from '../fileChunks/byteRange.js';
import { splitEvenly } from '../fileChunks/byteRange.js';
import { readOwnedTokens, TokenTooLongError } from '../fileChunks/ownedTokens.js';
import { ASCII_WHITESPACE, separatorTable } from '../fileChunks/separators.js';
import { throttledProgress } from '../fileChunks/progress.js';
import { throwIfAborted } from '../fileChunks/abort.js';
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

/** How one budget is shared between I/O buffers and the table. */
function shareBudget(budget: number): { ioBytes: number; tableBytes: number } {
  const total = Math.max(MIN_BUDGET, Math.floor(budget));
  const ioBytes = clamp(Math.floor(total / 16), 4096, 1 << 20);
  return { ioBytes, tableBytes: total - 2 * ioBytes };
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
  if (parts > 1) return countInRanges(inputPath, outputPath, size, splitEvenly(size, parts), options);

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
