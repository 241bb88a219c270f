import { open, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import type { ByteRange } from '../fileChunks/byteRange.js';
import { splitEvenly } from '../fileChunks/byteRange.js';
import { readOwnedTokens } from '../fileChunks/ownedTokens.js';
import { throttledProgress } from '../fileChunks/progress.js';
import { canStartWorkers, runInWorkerThreads } from '../fileChunks/threadedRanges.js';
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
 * file is split into that many ranges, each scanned by a worker thread (compiled build only; from
 * TypeScript sources the ranges are scanned one after the other in this thread).
 */
export async function sumEvenNumbersInFile(path: string, options: EvenSumOptions): Promise<EvenSumResult> {
  const { size } = await stat(path);
  const threads = Math.max(1, Math.min(Math.floor(options.threads), cpus().length * 4));
  const ranges = splitEvenly(size, size < 1 << 20 ? 1 : threads);
  const progress = throttledProgress(options.onProgress, size);
  let partials: EvenSumPartial[];
  if (ranges.length > 1 && canStartWorkers(import.meta.url)) {
    const tasks: EvenSumTask[] = ranges.map((range) => ({ path, range, readBufferBytes: options.readBufferBytes }));
    partials = await runInWorkerThreads<EvenSumTask, EvenSumPartial>(new URL('./evenSumWorker.js', import.meta.url), tasks, {
      signal: options.signal,
      onProgress: progress,
    });
  } else {
    partials = [];
    let before = 0;
    for (const range of ranges) {
      const partial = await sumEvenNumbersInRange(path, range, {
        ...options,
        onProgress: (done) => progress(before + done),
      });
      partials.push(partial);
      if (partial.firstError) break; // later ranges cannot change the first error
      before += range.end - range.start;
    }
  }
  progress(size);
  return combineFirstErrorAware(partials, ranges);
}

/** When the in-thread path stops at an error, later ranges are missing: fill them so they tile. */
function combineFirstErrorAware(partials: EvenSumPartial[], ranges: ByteRange[]): EvenSumResult {
  const present = new Set(partials.map((p) => p.range.start));
  const filled = [...partials];
  for (const range of ranges) {
    if (!present.has(range.start)) filled.push({ range, sum: '0', evenCount: 0, newlines: 0 });
  }
  return combineEvenSumPartials(filled);
}
