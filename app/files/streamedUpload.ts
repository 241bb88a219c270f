import type { WriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestBodySource } from '../http/requestBodySource.js';

export type UploadOutcome =
  | { ok: true; file: string; path: string; bytes: number }
  | { ok: false; status: 400 | 408 | 413 | 507; reason: string };

export class UploadTooLarge extends Error {}
export class UploadStalled extends Error {}

/** Why a body of no bytes is refused, and what to send instead. */
export const EMPTY_UPLOAD =
  'the request body is empty: send the file to upload as the body (text/plain or application/octet-stream), or {"path": ...} as application/json to name a file in the data directory';

/**
 * Streams a request body to a file in `dir` without holding it in memory. Anything short of a
 * complete upload (over the limit, client gone, disk full) removes the partial file, so no job
 * ever sees half a file. An upload has no total time limit, only an idle one: `idleMs` without a
 * byte ends it with 408. A body of no bytes (none, `Content-Length: 0`, or chunked and ended at
 * once) is no upload: 400, its empty file removed. The file is created before a byte is read, so
 * that its removal cannot come before its creation (a file opened late, after an early 413, stayed
 * for good), and an existing file of that name is never written over or removed.
 */
export async function saveUpload(
  body: RequestBodySource,
  dir: string,
  name: string,
  limit: number,
  idleMs: number,
): Promise<UploadOutcome> {
  if (!body) return { ok: false, status: 400, reason: EMPTY_UPLOAD };
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  let sink: WriteStream;
  try {
    sink = (await open(path, 'wx')).createWriteStream();
  } catch (error) {
    return refusal(error);
  }
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      idle.refresh();
      bytes += chunk.length;
      if (bytes > limit) done(new UploadTooLarge(`upload exceeds the limit of ${limit} bytes`));
      else done(null, chunk);
    },
  });
  const idle = setTimeout(() => counter.destroy(new UploadStalled(`upload stalled: no bytes for ${idleMs} ms`)), idleMs);
  // The request is piped into the counter rather than handed to pipeline(): pipeline destroys
  // its source on failure, and destroying a request closes its socket before the 413 or 408 can
  // be sent. Unpiped, the request is left to the server, which drains it or closes it.
  const source = body instanceof Readable ? body : Readable.fromWeb(body);
  const stopWatching = finished(source, { writable: false }, (error) => {
    if (error) counter.destroy(error);
  });
  source.pipe(counter);
  try {
    await pipeline(counter, sink);
    if (bytes === 0) {
      await rm(path, { force: true });
      return { ok: false, status: 400, reason: EMPTY_UPLOAD };
    }
    return { ok: true, file: name, path, bytes };
  } catch (error) {
    await rm(path, { force: true });
    return refusal(error);
  } finally {
    clearTimeout(idle);
    stopWatching();
    source.unpipe(counter);
    if (source !== body) source.destroy(); // our own wrapper of a web stream: cancels it
  }
}

function refusal(error: unknown): UploadOutcome & { ok: false } {
  if (error instanceof UploadTooLarge) return { ok: false, status: 413, reason: error.message };
  if (error instanceof UploadStalled) return { ok: false, status: 408, reason: error.message };
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return { ok: false, status: 507, reason: 'the server has no disk space left for this upload' };
  return { ok: false, status: 400, reason: `upload interrupted: ${(error as Error).message}` };
}
