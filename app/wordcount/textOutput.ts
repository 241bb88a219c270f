import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BufferedFileSink } from './bufferedFileSink.js';
import type { RecordSink } from './recordSink.js';

/** Writes the result file: `word count\n` per record, through one buffer. */
export class TextOutputWriter extends BufferedFileSink implements RecordSink {
  lines = 0;
  totalWords = 0;

  static async create(path: string, bufferBytes = 1 << 20): Promise<TextOutputWriter> {
    return new TextOutputWriter(await open(path, 'w'), Buffer.allocUnsafe(Math.max(64, bufferBytes)));
  }

  add(bytes: Uint8Array, offset: number, length: number, count: number): boolean {
    // The word, a space, up to 16 digits (counts stay below 2^53) and a newline.
    const buf = this.reserve(length + 18);
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
    return this.full();
  }
}

/**
 * Writes the result file through `write`, so that it exists only whole: the text goes to a hidden
 * file beside `path`, renamed onto it once complete (a rename within one folder replaces the name
 * at once). A count that fails or is interrupted halfway leaves no truncated result that reads
 * like a complete one, and a file already at `path` stays as it was until the new one is whole.
 */
export async function writeResultFile(path: string, bufferBytes: number, write: (output: TextOutputWriter) => Promise<void>): Promise<TextOutputWriter> {
  const partial = join(dirname(path), `.${basename(path)}.partial-${randomBytes(4).toString('hex')}`);
  const output = await TextOutputWriter.create(partial, bufferBytes);
  try {
    try {
      await write(output);
    } finally {
      await output.close();
    }
    await rename(partial, path);
    return output;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
