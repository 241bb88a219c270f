import { describe, expect, it } from 'vitest';
import { checkPngHead, PNG_HEAD_BYTES } from '../../app/image/pngHead.js';
import { inspectPng } from '../../app/image/pngInspection.js';
import { handmadePng, pngChunk } from '../support/handmadePng.js';

const valid = handmadePng({ width: 70, height: 61, bitDepth: 8, colourType: 6 });
const SIGNATURE = valid.subarray(0, 8);

/** `valid` with its IHDR data changed by `change` (the CRC recomputed unless told otherwise). */
function withIhdr(change: (data: Buffer) => void, options: { keepCrc?: boolean } = {}): Buffer {
  const data = Buffer.from(valid.subarray(16, 29));
  change(data);
  const ihdr = options.keepCrc ? Buffer.concat([valid.subarray(8, 16), data, valid.subarray(29, 33)]) : pngChunk('IHDR', data);
  return Buffer.concat([SIGNATURE, ihdr, valid.subarray(33)]);
}

describe('checkPngHead: the verdict on the first 33 bytes (the signature and the IHDR chunk), however many have arrived', () => {
  it('is the signature and the whole IHDR chunk: 8 + 4 length + 4 type + 13 data + 4 CRC bytes', () => {
    expect(PNG_HEAD_BYTES).toBe(33);
  });

  it('refuses a body that does not start like a PNG on its first byte that differs', () => {
    expect(checkPngHead(Buffer.from('G'))).toEqual({ state: 'refused', reason: 'not a PNG: the PNG signature is missing' });
    expect(checkPngHead(Buffer.from([0x89, 0x50, 0x4e, 0x48]))).toEqual({ state: 'refused', reason: 'not a PNG: the PNG signature is missing' });
  });

  it('waits while what has arrived could still be a PNG', () => {
    for (let length = 0; length < PNG_HEAD_BYTES; length++) expect(checkPngHead(valid.subarray(0, length)), `${length} bytes`).toEqual({ state: 'incomplete' });
  });

  it('gives the header once the whole IHDR chunk is there, whatever follows it', () => {
    const header = { width: 70, height: 61, bitDepth: 8, colourType: 6, interlaced: false };
    expect(checkPngHead(valid.subarray(0, PNG_HEAD_BYTES))).toEqual({ state: 'valid', header });
    expect(checkPngHead(valid)).toEqual({ state: 'valid', header });
  });

  it('refuses a first chunk other than a 13-byte IHDR as soon as its length and type are there, without waiting for its CRC', () => {
    const idatFirst = Buffer.concat([SIGNATURE, pngChunk('IDAT', Buffer.alloc(1000))]);
    expect(checkPngHead(idatFirst.subarray(0, 16))).toEqual({ state: 'refused', reason: 'corrupt PNG: the first chunk is not IHDR' });
    expect(checkPngHead(withIhdr(() => undefined).fill(0, 8, 12))).toEqual({ state: 'refused', reason: 'corrupt PNG: the first chunk is not IHDR' });
  });

  it.each([
    ['a CRC that does not match', withIhdr((d) => d.writeUInt32BE(71, 0), { keepCrc: true }), 'corrupt PNG: CRC mismatch in chunk "IHDR" at byte 8'],
    ['a zero width', withIhdr((d) => d.writeUInt32BE(0, 0)), 'corrupt PNG: zero width or height'],
    ['a height over 2^31 - 1', withIhdr((d) => d.writeUInt32BE(2 ** 31, 4)), 'corrupt PNG: width or height over 2^31 - 1'],
    ['colour type 5', withIhdr((d) => (d[9] = 5)), 'corrupt PNG: no colour type 5 (only 0, 2, 3, 4, 6)'],
    ['bit depth 4 in RGBA', withIhdr((d) => (d[8] = 4)), 'corrupt PNG: bit depth 4 with colour type 6 (allowed: 8, 16)'],
    ['compression method 1', withIhdr((d) => (d[10] = 1)), 'corrupt PNG: unknown compression method 1 or filter method 0 (only 0)'],
    ['interlace method 2', withIhdr((d) => (d[12] = 2)), 'corrupt PNG: unknown interlace method 2 (only 0 or 1)'],
  ])('refuses an IHDR with %s once its 33 bytes are there, in the words inspectPng uses', (_case, png, reason) => {
    expect(checkPngHead(png.subarray(0, PNG_HEAD_BYTES - 1))).toEqual({ state: 'incomplete' });
    expect(checkPngHead(png.subarray(0, PNG_HEAD_BYTES))).toEqual({ state: 'refused', reason });
    expect(inspectPng(png)).toEqual({ ok: false, reason });
  });

  it('never changes its mind as more bytes arrive, and agrees with inspectPng on the whole body', () => {
    const bodies = [valid, Buffer.from('GIF89a, not a PNG at all'), withIhdr((d) => (d[8] = 3)), withIhdr((d) => d.writeUInt32BE(5, 4), { keepCrc: true })];
    for (const body of bodies) {
      let decided: ReturnType<typeof checkPngHead> | null = null;
      for (let length = 0; length <= body.length; length++) {
        const verdict = checkPngHead(body.subarray(0, length));
        if (decided) expect(verdict).toEqual(decided);
        else if (verdict.state !== 'incomplete') decided = verdict;
      }
      if (decided?.state === 'refused') expect(inspectPng(body)).toEqual({ ok: false, reason: decided.reason });
      else expect(inspectPng(body)).toMatchObject({ ok: true });
    }
  });
});

describe('inspectPng on a PNG cut before its IHDR ends: the messages it always gave', () => {
  it.each([
    [0, 'not a PNG: the PNG signature is missing'],
    [5, 'not a PNG: the PNG signature is missing'],
    [8, 'corrupt PNG: truncated (no IEND chunk)'],
    [12, 'corrupt PNG: truncated chunk header at byte 8'],
    [19, 'corrupt PNG: truncated chunk header at byte 8'],
    [20, 'corrupt PNG: chunk "IHDR" at byte 8 runs past the end'],
    [32, 'corrupt PNG: chunk "IHDR" at byte 8 runs past the end'],
  ])('%i bytes: %s', (length, reason) => {
    expect(inspectPng(valid.subarray(0, length))).toEqual({ ok: false, reason });
  });
});
