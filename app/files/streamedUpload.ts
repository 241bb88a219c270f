import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export type UploadOutcome =
  | { ok: true; file: string; path: string; bytes: number }
  | { ok: false; status: 400 | 413 | 507; reason: string };

export class UploadTooLarge extends Error {}

/**
 * Streams a request body to a file in `dir` without holding it in memory. Anything short of a
 * complete upload (over the limit, client gone, disk full) removes the partial file, so no job
 * ever sees half a file.
 */
export async function saveUpload(body: Readable | WebReadableStream<Uint8Array> | null, dir: string, name: string, limit: number): Promise<UploadOutcome> {
  if (!body) return { ok: false, status: 400, reason: 'the request has no body to upload' };
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > limit) done(new UploadTooLarge(`upload exceeds the limit of ${limit} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body instanceof Readable ? body : Readable.fromWeb(body), counter, createWriteStream(path, { flags: 'wx' }));
    return { ok: true, file: name, path, bytes };
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof UploadTooLarge) return { ok: false, status: 413, reason: error.message };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return { ok: false, status: 507, reason: 'the server has no disk space left for this upload' };
    return { ok: false, status: 400, reason: `upload interrupted: ${(error as Error).message}` };
  }
}
