/**
 * `saveUpload` keeps a file only for a whole upload. Whatever ends an upload short leaves no
 * file behind by the time it answers, however early that comes: an upload over the limit in its
 * first bytes fails before the file would have been opened, and a file opened after its removal
 * stayed for good (one CI run saw a 413's file left in the upload folder).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_UPLOAD, saveUpload } from '../../app/files/streamedUpload.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'sw-streamed-upload-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const body = (...chunks: string[]) => Readable.from(chunks.map((chunk) => Buffer.from(chunk)));

describe('saveUpload', () => {
  it('keeps a whole upload under its name, and says how many bytes it has', async () => {
    const saved = await saveUpload(body('2 4 ', '6 8'), dir, 'a.upload', 100, 1_000);
    expect(saved).toEqual({ ok: true, file: 'a.upload', path: join(dir, 'a.upload'), bytes: 7 });
    expect(await readdir(dir)).toEqual(['a.upload']);
  });

  it('answers 413 for an upload over the limit in its very first bytes, and no file is left, not even one opened late', async () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const saved = await saveUpload(body('x'.repeat(1_000)), dir, `${attempt}.upload`, 10, 1_000);
      expect(saved).toEqual({ ok: false, status: 413, reason: 'upload exceeds the limit of 10 bytes' });
      expect(await readdir(dir)).toEqual([]);
    }
  });

  it('answers 413 for an upload that passes the limit part-way, and removes what it had written', async () => {
    const saved = await saveUpload(body('x'.repeat(8), 'x'.repeat(8)), dir, 'b.upload', 10, 1_000);
    expect(saved).toMatchObject({ ok: false, status: 413 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a body of no bytes with 400 and keeps no empty file', async () => {
    expect(await saveUpload(body(), dir, 'c.upload', 10, 1_000)).toEqual({ ok: false, status: 400, reason: EMPTY_UPLOAD });
    expect(await readdir(dir)).toEqual([]);
  });

  it('never writes over a file of the same name: the upload is refused and the file left as it was', async () => {
    await saveUpload(body('first'), dir, 'd.upload', 100, 1_000);
    const again = await saveUpload(body('second'), dir, 'd.upload', 100, 1_000);
    expect(again).toMatchObject({ ok: false, status: 400 });
    expect(await readdir(dir)).toEqual(['d.upload']);
  });
});
