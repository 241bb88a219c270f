import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordSink } from './recordSink.js';
import { BufferPool, RunReader, RunWriter } from './runFile.js';
export { BufferPool };
import type { RecordOrder } from './recordOrder.js';
import { compareBytes } from './wordTable.js';
import { throwIfAborted } from '../fileChunks/abort.js';

export interface MergeLimits {
  /** Most runs open at once (each holds one read buffer). */
  fanIn: number;
  readBufferBytes: number;
  tmpDir: string;
  signal?: AbortSignal;
  /** Buffers shared by the readers and writers of one merge. */
  pool: BufferPool;
}

let intermediateSeq = 0;

/** Paths of intermediate runs are unique per process, so concurrent merges do not collide. */
export function tmpRunPath(tmpDir: string, kind: string): string {
  intermediateSeq++;
  return join(tmpDir, `${kind}-${process.pid}-${Date.now().toString(36)}-${intermediateSeq}.run`);
}

/**
 * Merges sorted runs into `sink` in `order`. With `sumEqualWords`, records with the same word are
 * added into one (runs sorted by word). More runs than `fanIn` are merged in passes through
 * intermediate runs in `tmpDir`, so open files and buffers stay bounded whatever the run count.
 * `deleteInputs` removes input runs as soon as they are consumed (intermediates always are).
 */
export async function mergeRuns(
  runPaths: string[],
  sink: RecordSink,
  order: RecordOrder,
  sumEqualWords: boolean,
  limits: MergeLimits,
  deleteInputs = false,
): Promise<void> {
  const fanIn = Math.max(2, limits.fanIn);
  let pending = [...runPaths];
  let ownsPending = deleteInputs;
  while (pending.length > fanIn) {
    const next: string[] = [];
    for (let k = 0; k < pending.length; k += fanIn) {
      const group = pending.slice(k, k + fanIn);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const path = tmpRunPath(limits.tmpDir, 'pass');
      const writer = await RunWriter.create(path, limits.readBufferBytes, limits.pool.take(limits.readBufferBytes));
      try {
        await mergeOnce(group, writer, order, sumEqualWords, limits);
      } finally {
        await writer.close();
        limits.pool.give(writer.buffer);
      }
      if (ownsPending) await Promise.all(group.map((p) => rm(p, { force: true })));
      next.push(path);
    }
    pending = next;
    ownsPending = true;
  }
  await mergeOnce(pending, sink, order, sumEqualWords, limits);
  if (ownsPending) await Promise.all(pending.map((p) => rm(p, { force: true })));
}

/** One k-way merge through a binary heap of readers. */
async function mergeOnce(
  paths: string[],
  sink: RecordSink,
  order: RecordOrder,
  sumEqualWords: boolean,
  limits: MergeLimits,
): Promise<void> {
  // Each merge looks at the signal before it starts: its own check comes every 65536 records, and
  // with a small budget a pass is thousands of merges of fewer (at 64 KiB, 8 runs of some 1000
  // records each), so an interrupt waited for the whole pass, 20 s in a 50 MB count.
  throwIfAborted(limits.signal);
  const readers: RunReader[] = [];
  try {
    for (const path of paths) readers.push(await RunReader.open(path, limits.readBufferBytes, limits.pool));
    const heap: RunReader[] = [];
    for (const reader of readers) if (await reader.next()) heapPush(heap, reader, order);
    // The word being summed is copied out: its reader's buffer moves on before the sum is emitted.
    let held = Buffer.allocUnsafe(256);
    let heldLength = -1;
    let heldCount = 0;
    let sinceCheck = 0;
    while (heap.length > 0) {
      const top = heap[0]!;
      if (sumEqualWords && heldLength >= 0 && compareHeld(held, heldLength, top) === 0) {
        heldCount += top.count;
      } else {
        if (heldLength >= 0 && sink.add(held, 0, heldLength, heldCount)) await sink.flush();
        if (sumEqualWords) {
          if (top.length > held.length) held = Buffer.allocUnsafe(top.length * 2);
          top.bytes.copy(held, 0, top.offset, top.offset + top.length);
          heldLength = top.length;
          heldCount = top.count;
        } else if (sink.add(top.bytes, top.offset, top.length, top.count)) {
          await sink.flush();
        }
      }
      if (top.nextBuffered() || (await top.next())) heapReplaceTop(heap, order);
      else heapPopTop(heap, order);
      if (++sinceCheck === 65536) {
        sinceCheck = 0;
        throwIfAborted(limits.signal);
      }
    }
    if (heldLength >= 0 && sink.add(held, 0, heldLength, heldCount)) await sink.flush();
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

function compareHeld(held: Buffer, heldLength: number, top: RunReader): number {
  return compareBytes(held, 0, heldLength, top.bytes, top.offset, top.length);
}

function heapPush(heap: RunReader[], item: RunReader, order: RecordOrder): void {
  heap.push(item);
  let k = heap.length - 1;
  while (k > 0) {
    const parent = (k - 1) >> 1;
    if (order(heap[k]!, heap[parent]!) >= 0) break;
    [heap[k], heap[parent]] = [heap[parent]!, heap[k]!];
    k = parent;
  }
}

function heapReplaceTop(heap: RunReader[], order: RecordOrder): void {
  let k = 0;
  const n = heap.length;
  for (;;) {
    const left = 2 * k + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && order(heap[right]!, heap[left]!) < 0 ? right : left;
    if (order(heap[child]!, heap[k]!) >= 0) break;
    [heap[k], heap[child]] = [heap[child]!, heap[k]!];
    k = child;
  }
}

function heapPopTop(heap: RunReader[], order: RecordOrder): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  heapReplaceTop(heap, order);
}
