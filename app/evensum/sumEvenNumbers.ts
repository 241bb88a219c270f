import { open, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import type { ByteRange } from '../fileChunks/byteRange.js';
import { splitEvenly } from '../fileChunks/byteRange.js';
import { readOwnedTokens } from '../fileChunks/ownedTokens.js';
import { throttledProgress } from '../fileChunks/progress.js';
import { canStartWorkers, runHereAndInWorkers, threadCount } from '../fileChunks/threadedRanges.js';
import { EVEN_SUM_SEPARATORS, EvenSumScanner } from './evenSumScanner.js';
import { combineEvenSumPartials, type EvenSumPartial, type EvenSumResult } from './evenSumPartial.js';

export interface EvenSumOptions {
  /** Worker threads for `sumEvenNumbersInFile` (1 = in this thread). */
  threads: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  signal?: AbortSignal;
  /** Read buffer per thread (default 1 MiB). */
  readBufferBytes?: number;
}

/** The range worker's input (worker threads take plain data). */
export interface EvenSumTask {
  path: string;
  range: ByteRange;
  readBufferBytes?: number;
}

/** Sums the even integers of the tokens `range` owns (see `readOwnedTokens`), in this thread. */
export async function sumEvenNumbersInRange(path: string, range: ByteRange, options: EvenSumOptions): Promise<EvenSumPartial> {
  const file = await open(path, 'r');
  try {
    const scanner = new EvenSumScanner();
    const progress = throttledProgress(options.onProgress, range.end - range.start);
    const slices = readOwnedTokens(file, range, EVEN_SUM_SEPARATORS, {
      bufferBytes: options.readBufferBytes,
      signal: options.signal,
    });
    for await (const slice of slices) {
      if (!scanner.scan(slice.bytes, slice.from, slice.to, slice.offset)) break;
      progress(Math.min(range.end, slice.offset + slice.to - slice.from) - range.start);
    }
    progress(range.end - range.start);
    const partial: EvenSumPartial = {
      range: { start: range.start, end: range.end },
      sum: scanner.sum().toString(),
      evenCount: scanner.evenCount,
      newlines: scanner.newlines,
    };
    if (scanner.bad) {
      partial.firstError = { offset: scanner.bad.offset, lineInRange: scanner.bad.newlinesBefore, token: scanner.bad.token };
    }
    return partial;
  } finally {
    await file.close();
  }
}

/**
 * The exact sum of the even integers of a file, or the first bad token. With `threads` > 1 the
 * file is split into that many ranges: this thread scans the first while worker threads scan the
 * others (compiled build only; from TypeScript sources all ranges are scanned here in turn).
 */
export async function sumEvenNumbersInFile(path: string, options: EvenSumOptions): Promise<EvenSumResult> {
  const { size } = await stat(path);
  const threads = threadCount(options.threads, cpus().length * 4);
  const ranges = splitEvenly(size, size < 1 << 20 ? 1 : threads);
  const progress = throttledProgress(options.onProgress, size);
  const tasks: EvenSumTask[] = ranges.map((range) => ({ path, range, readBufferBytes: options.readBufferBytes }));
  const runHere = (task: EvenSumTask, onProgress: (bytesDone: number) => void, signal: AbortSignal) =>
    sumEvenNumbersInRange(task.path, task.range, { threads: 1, readBufferBytes: task.readBufferBytes, onProgress, signal });
  const { here, helpers } = await runHereAndInWorkers<EvenSumTask, EvenSumPartial, EvenSumPartial>(
    canStartWorkers(import.meta.url) ? new URL('./evenSumWorker.js', import.meta.url) : undefined,
    tasks[0]!,
    tasks.slice(1),
    { here: runHere, helperHere: runHere },
    { signal: options.signal, onProgress: progress },
  );
  progress(size);
  return combineEvenSumPartials([here, ...helpers]);
}
