import { open, type FileHandle } from 'node:fs/promises';
import { BufferedFileSink } from './bufferedFileSink.js';
import type { RecordSink } from './recordSink.js';

/**
 * A run is a file of (word, count) records, sorted (by word, or by count for the final sort):
 * `u32le length, word bytes, f64le count`. Binary so that a word may hold any byte, and compact
 * so that spilling and merging stay disk-bound rather than format-bound.
 */
const HEADER = 4;
const TRAILER = 8;

export class RunWriter extends BufferedFileSink implements RecordSink {
  records = 0;
  wordBytes = 0;

  /** `reuse`: a buffer of an earlier writer, so that every spill does not allocate a new one. */
  static async create(path: string, bufferBytes = 1 << 20, reuse?: Buffer): Promise<RunWriter> {
    const buffer = reuse && reuse.length >= bufferBytes ? reuse : Buffer.allocUnsafe(Math.max(64, bufferBytes));
    return new RunWriter(await open(path, 'w'), buffer);
  }

  /** The writer's buffer, for the next writer once this one is closed. */
  get buffer(): Buffer {
    return this.buf;
  }

  add(bytes: Uint8Array, offset: number, length: number, count: number): boolean {
    const buf = this.reserve(HEADER + length + TRAILER);
    let at = this.used;
    buf.writeUInt32LE(length, at);
    at += HEADER;
    if (length < 64) for (let j = 0; j < length; j++) buf[at + j] = bytes[offset + j]!;
    else buf.set(bytes.subarray(offset, offset + length), at);
    at += length;
    buf.writeDoubleLE(count, at);
    this.used = at + TRAILER;
    this.records++;
    this.wordBytes += length;
    return this.full();
  }
}

/**
 * Read and write buffers handed from one run to the next during a merge. Freed buffers are
 * ArrayBuffers that V8 collects only after external memory has grown by tens of megabytes, so a
 * merge opening hundreds of runs would otherwise hold far more than its budget in garbage.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  take(bytes: number): Buffer {
    const k = this.free.findIndex((b) => b.length >= bytes);
    if (k >= 0) return this.free.splice(k, 1)[0]!;
    return Buffer.allocUnsafe(Math.max(64, bytes));
  }

  give(buffer: Buffer): void {
    if (this.free.length < 1024) this.free.push(buffer);
  }
}

/** Reads a run record by record through one buffer (grown only for a word longer than it). */
export class RunReader {
  private buf: Buffer;
  private start = 0;
  private end = 0;
  private position = 0;
  private eof = false;
  /** The current record: `bytes[offset, offset + length)` and its count, valid until `next()`. */
  bytes: Buffer;
  offset = 0;
  length = 0;
  count = 0;

  private constructor(
    private readonly file: FileHandle,
    buffer: Buffer,
    private readonly pool: BufferPool | undefined,
  ) {
    this.buf = buffer;
    this.bytes = this.buf;
  }

  static async open(path: string, bufferBytes = 1 << 16, pool?: BufferPool): Promise<RunReader> {
    const file = await open(path, 'r');
    const size = Math.max(64, bufferBytes);
    return new RunReader(file, pool ? pool.take(size) : Buffer.allocUnsafe(size), pool);
  }

  /** Moves to the next record; false at the end of the run. */
  async next(): Promise<boolean> {
    if (this.nextBuffered()) return true;
    for (;;) {
      if (this.eof) {
        if (this.end > this.start) throw new Error('run file ends inside a record');
        return false;
      }
      await this.refill();
      if (this.nextBuffered()) return true;
    }
  }

  /** The fast path of `next()`: a record wholly in the buffer, or false when a read is needed. */
  nextBuffered(): boolean {
    const avail = this.end - this.start;
    if (avail < HEADER) return false;
    const length = this.buf.readUInt32LE(this.start);
    if (avail < HEADER + length + TRAILER) return false;
    this.bytes = this.buf;
    this.offset = this.start + HEADER;
    this.length = length;
    this.count = this.buf.readDoubleLE(this.offset + length);
    this.start = this.offset + length + TRAILER;
    return true;
  }

  async close(): Promise<void> {
    await this.file.close();
    this.pool?.give(this.buf);
  }

  private async refill(): Promise<void> {
    const left = this.end - this.start;
    if (left > 0 && this.start > 0) this.buf.copy(this.buf, 0, this.start, this.end);
    this.start = 0;
    this.end = left;
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    } else if (left >= HEADER) {
      const need = HEADER + this.buf.readUInt32LE(0) + TRAILER;
      if (need > this.buf.length) {
        const bigger = Buffer.allocUnsafe(need);
        this.buf.copy(bigger, 0, 0, this.end);
        this.buf = bigger;
      }
    }
    const got = (await this.file.read(this.buf, this.end, this.buf.length - this.end, this.position)).bytesRead;
    this.position += got;
    this.end += got;
    if (got === 0) this.eof = true;
  }
}
