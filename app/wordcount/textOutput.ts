import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BufferedFileSink } from './bufferedFileSink.js';
import type { RecordSink } from './recordSink.js';

/**
 * The result file could not be written: it names the file the caller asked for, not the hidden
 * one beside it that the result is written to first (`/proc/.o.txt.partial-1c63bf57` said nothing
 * the operator had written), what failed (`step`) and the system's reason, with its `code`.
 */
export class ResultFileError extends Error {
  override name = 'ResultFileError';
  readonly code: string | undefined;
  /** The system's words, without the hidden file's name: `ENOSPC: no space left on device`. */
  readonly reason: string;
  constructor(
    readonly path: string,
    readonly step: 'create' | 'write' | 'rename',
    failure: unknown,
  ) {
    const code = (failure as NodeJS.ErrnoException | undefined)?.code;
    const reason = systemReason(failure);
    super(`cannot ${STEP_WORDS[step]} ${path}: ${reason}`);
    this.code = code;
    this.reason = reason;
  }
}

const STEP_WORDS: Readonly<Record<ResultFileError['step'], string>> = {
  create: 'create the result file',
  write: 'write the result file',
  rename: 'put the finished result in place as',
};

/** A system error's message up to the call and the path it names (`ENOENT: no such file or directory, open '…'`). */
function systemReason(failure: unknown): string {
  if (!(failure instanceof Error)) return String(failure);
  const { syscall } = failure as NodeJS.ErrnoException;
  const at = syscall === undefined ? -1 : failure.message.indexOf(`, ${syscall}`);
  return at > 0 ? failure.message.slice(0, at) : failure.message;
}

/** Writes the result file: `word count\n` per record, through one buffer. */
export class TextOutputWriter extends BufferedFileSink implements RecordSink {
  lines = 0;
  totalWords = 0;

  /** `resultPath`: the file a failure names (the result is written beside it first). */
  static async create(path: string, bufferBytes = 1 << 20, resultPath = path): Promise<TextOutputWriter> {
    const file = await open(path, 'w').catch((error: unknown) => {
      throw new ResultFileError(resultPath, 'create', error);
    });
    return new TextOutputWriter(file, Buffer.allocUnsafe(Math.max(64, bufferBytes)), resultPath);
  }

  private constructor(
    file: FileHandle,
    buffer: Buffer,
    private readonly resultPath: string,
  ) {
    super(file, buffer);
  }

  override async flush(): Promise<void> {
    await super.flush().catch((error: unknown) => {
      throw error instanceof ResultFileError ? error : new ResultFileError(this.resultPath, 'write', error);
    });
  }

  override async close(): Promise<void> {
    await super.close().catch((error: unknown) => {
      throw error instanceof ResultFileError ? error : new ResultFileError(this.resultPath, 'write', error);
    });
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
  const output = await TextOutputWriter.create(partial, bufferBytes, path);
  try {
    try {
      await write(output);
    } finally {
      await output.close();
    }
    await rename(partial, path).catch((error: unknown) => {
      throw new ResultFileError(path, 'rename', error);
    });
    return output;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
