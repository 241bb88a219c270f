import type { FileHandle } from 'node:fs/promises';

/**
 * The file end of a record sink: records are encoded into one buffer, which the caller writes out
 * when `add` says it is three quarters full (so that the next records still fit) and at `close`.
 * The encoding is the subclass's: binary runs (`RunWriter`) or the text result
 * (`TextOutputWriter`).
 */
export abstract class BufferedFileSink {
  protected buf: Buffer;
  protected used = 0;

  protected constructor(
    private readonly file: FileHandle,
    buffer: Buffer,
  ) {
    this.buf = buffer;
  }

  /** Room for `bytes` more: only a record larger than the whole buffer makes it grow. */
  protected reserve(bytes: number): Buffer {
    if (this.used + bytes > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length, bytes) * 2);
      this.buf.copy(bigger, 0, 0, this.used);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Whether it is time to write: three quarters full. */
  protected full(): boolean {
    return this.used >= this.buf.length - (this.buf.length >> 2);
  }

  async flush(): Promise<void> {
    let written = 0;
    while (written < this.used) written += (await this.file.write(this.buf, written, this.used - written)).bytesWritten;
    this.used = 0;
  }

  /** Writes what is left and closes the file, which is closed even when that write fails. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.file.close();
    }
  }
}
