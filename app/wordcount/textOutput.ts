import { open, type FileHandle } from 'node:fs/promises';
import type { RecordSink } from './recordSink.js';

/** Writes the result file: `word count\n` per record, through one buffer. */
export class TextOutputWriter implements RecordSink {
  private buf: Buffer;
  private used = 0;
  lines = 0;
  totalWords = 0;

  private constructor(
    private readonly file: FileHandle,
    bufferBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }

  static async create(path: string, bufferBytes = 1 << 20): Promise<TextOutputWriter> {
    return new TextOutputWriter(await open(path, 'w'), Math.max(64, bufferBytes));
  }

  add(bytes: Uint8Array, offset: number, length: number, count: number): boolean {
    const need = length + 18;
    if (this.used + need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length, need) * 2);
      this.buf.copy(bigger, 0, 0, this.used);
      this.buf = bigger;
    }
    const buf = this.buf;
    let at = this.used;
    if (length < 32) for (let j = 0; j < length; j++) buf[at++] = bytes[offset + j]!;
    else at += Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).copy(buf, at);
    buf[at++] = 32;
    // Decimal digits of the count (exact: counts stay far below 2^53).
    let digits = 1;
    for (let p = 10; p <= count; p *= 10) digits++;
    let n = count;
    for (let k = digits - 1; k >= 0; k--) {
      const q = Math.floor(n / 10);
      buf[at + k] = 48 + (n - q * 10);
      n = q;
    }
    at += digits;
    buf[at++] = 10;
    this.used = at;
    this.lines++;
    this.totalWords += count;
    return this.used >= buf.length - (buf.length >> 2); // three quarters full: time to write
  }

  async flush(): Promise<void> {
    let written = 0;
    while (written < this.used) written += (await this.file.write(this.buf, written, this.used - written)).bytesWritten;
    this.used = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
  }
}
