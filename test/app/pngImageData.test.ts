import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PNG, type ColorType } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkImageData, inflatedSize, scanlineChecker, scanlineLayout } from '../../app/image/pngImageData.js';
import { inspectPng, type PngHeader } from '../../app/image/pngInspection.js';
import { assemblePng, corruptPngs, handmadePng, rawScanlines, type HandmadeHeader } from '../support/handmadePng.js';

const header = (h: HandmadeHeader): PngHeader => ({ interlaced: false, ...h });

/** What the route does: the chunk check, then the image data check. */
async function check(png: Buffer) {
  const inspection = inspectPng(png);
  if (!inspection.ok) return inspection;
  return checkImageData(inspection.header, inspection.imageData);
}

function pngjsImage(colorType: ColorType, bitDepth: 8 | 16, width = 37, height = 23): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 7) & 0xff;
  return PNG.sync.write(image, { colorType, bitDepth, inputColorType: 6 });
}

describe('scanlineLayout (how many bytes the header implies)', () => {
  it('is one row of 1 filter byte + ceil(width × bits per pixel / 8) per line when not interlaced', () => {
    expect(scanlineLayout(header({ width: 10, height: 10, bitDepth: 8, colourType: 6 }))).toEqual([{ pass: 0, rows: 10, rowBytes: 41 }]);
    expect(scanlineLayout(header({ width: 10, height: 4, bitDepth: 1, colourType: 0 }))).toEqual([{ pass: 0, rows: 4, rowBytes: 3 }]);
    expect(scanlineLayout(header({ width: 3, height: 1, bitDepth: 16, colourType: 2 }))).toEqual([{ pass: 0, rows: 1, rowBytes: 19 }]);
    expect(scanlineLayout(header({ width: 5, height: 1, bitDepth: 2, colourType: 3 }))).toEqual([{ pass: 0, rows: 1, rowBytes: 3 }]);
  });

  it('follows the 7 Adam7 passes of an interlaced image (10×10 RGBA: 100 pixels + 20 filter bytes)', () => {
    const layout = scanlineLayout(header({ width: 10, height: 10, bitDepth: 8, colourType: 6, interlaced: true }));
    expect(layout.map(({ pass, rows, rowBytes }) => [pass, rows, rowBytes])).toEqual([[1, 2, 9], [2, 2, 5], [3, 1, 13], [4, 3, 9], [5, 2, 21], [6, 5, 21], [7, 5, 41]]);
    expect(inflatedSize(layout)).toBe(420);
  });

  it('leaves out the empty passes of a tiny interlaced image', () => {
    expect(scanlineLayout(header({ width: 1, height: 1, bitDepth: 8, colourType: 0, interlaced: true }))).toEqual([{ pass: 1, rows: 1, rowBytes: 2 }]);
  });

  it('agrees with counting the pixels of every pass one by one, for every size up to 17×17', () => {
    for (let width = 1; width <= 17; width++) {
      for (let height = 1; height <= 17; height++) {
        for (const h of [{ bitDepth: 1, colourType: 0 }, { bitDepth: 16, colourType: 4 }]) {
          const interlaced = { width, height, ...h, interlaced: true };
          expect(inflatedSize(scanlineLayout(interlaced)), JSON.stringify(interlaced)).toBe(rawScanlines(interlaced).length);
        }
      }
    }
  });
});

describe('checkImageData (the inflated IDAT data against the header)', () => {
  it.each([[0, 8], [0, 16], [2, 8], [2, 16], [4, 8], [4, 16], [6, 8], [6, 16]] as const)('accepts what pngjs writes: colour type %i, bit depth %i', async (colorType, bitDepth) => {
    expect(await check(pngjsImage(colorType, bitDepth))).toMatchObject({ ok: true });
  });

  it.each([
    { width: 19, height: 7, bitDepth: 1, colourType: 0 },
    { width: 19, height: 7, bitDepth: 4, colourType: 0 },
    { width: 19, height: 7, bitDepth: 1, colourType: 3 },
    { width: 19, height: 7, bitDepth: 8, colourType: 3 },
    { width: 61, height: 62, bitDepth: 8, colourType: 6, interlaced: true },
    { width: 13, height: 3, bitDepth: 16, colourType: 0, interlaced: true },
    { width: 9, height: 11, bitDepth: 2, colourType: 3, interlaced: true },
    { width: 1, height: 1, bitDepth: 8, colourType: 2, interlaced: true },
  ])('accepts a handmade PNG that pngjs reads too: %j', async (h) => {
    const png = handmadePng(h);
    expect(PNG.sync.read(png)).toMatchObject({ width: h.width, height: h.height });
    expect(await check(png)).toEqual({ ok: true, inflatedBytes: rawScanlines(h).length });
  });

  describe.each([
    ['plain', { width: 30, height: 20, bitDepth: 8, colourType: 6 }, 'row 3'],
    ['Adam7-interlaced', { width: 30, height: 20, bitDepth: 8, colourType: 6, interlaced: true }, 'row 3 of Adam7 pass 1'],
  ])('refuses corrupt image data behind valid chunks (%s)', (_kind, h, thirdRow) => {
    const corrupt = corruptPngs(h);
    const expected = rawScanlines(h).length;
    it('data that is not zlib', async () => {
      expect(await check(corrupt.notZlib)).toEqual({ ok: false, reason: 'corrupt PNG: the image data (IDAT) does not inflate (zlib: incorrect header check)' });
    });
    it('a zlib stream cut short', async () => {
      expect(await check(corrupt.truncatedZlib)).toEqual({ ok: false, reason: 'corrupt PNG: the image data (IDAT) does not inflate (zlib: unexpected end of file)' });
    });
    it('data too short for the image', async () => {
      expect(await check(corrupt.tooShort)).toMatchObject({ ok: false, reason: `corrupt PNG: the image data (IDAT) inflates to ${expected - 7} bytes, fewer than the ${expected} the header implies (30×20, colour type 6, bit depth 8${'interlaced' in h ? ', Adam7-interlaced' : ''})` });
    });
    it('data too long for the image', async () => {
      expect(await check(corrupt.tooLong)).toMatchObject({ ok: false, reason: new RegExp(`^corrupt PNG: the image data \\(IDAT\\) inflates to more than the ${expected} bytes the header implies`) });
    });
    it('a row whose filter type is not 0–4', async () => {
      expect(await check(corrupt.badFilter)).toEqual({ ok: false, reason: `corrupt PNG: ${thirdRow} has filter type 16 (only 0–4 exist)` });
    });
    it('bytes after IEND', async () => {
      expect(await check(corrupt.afterIend)).toEqual({ ok: false, reason: 'corrupt PNG: 14 bytes after the IEND chunk (it must be the last)' });
    });
  });

  it('stops inflating a decompression bomb at the first byte too many', async () => {
    const bomb = deflateSync(Buffer.alloc(16 * 1024 * 1024)); // 16 MiB of zeros for a 1×1 image
    expect(await checkImageData(header({ width: 1, height: 1, bitDepth: 8, colourType: 0 }), [bomb])).toMatchObject({ ok: false, reason: /more than the 2 bytes/ });
  });
});

describe('memory: the check holds a position, not the image', () => {
  it('scanlineChecker gives the same verdict whether the data comes whole or one byte at a time, and keeps only four counters', () => {
    const h = header({ width: 21, height: 9, bitDepth: 4, colourType: 0, interlaced: true });
    const raw = rawScanlines(h);
    const whole = scanlineChecker(h);
    expect(whole.push(raw)).toBeNull();
    expect(whole.end()).toBeNull();
    const byteByByte = scanlineChecker(h);
    for (const byte of raw) expect(byteByByte.push(Uint8Array.of(byte))).toBeNull();
    expect(byteByByte.end()).toBeNull();
    expect(byteByByte.position()).toEqual({ part: 7, row: 0, byteInRow: 0, total: raw.length });
    expect(Object.values(byteByByte.position()).every((value) => typeof value === 'number')).toBe(true);
  });

  it('checkImageData consumes the compressed data as a stream of chunks and stops pulling at the first wrong row', async () => {
    const h: HandmadeHeader = { width: 1000, height: 1000, bitDepth: 8, colourType: 6 };
    const raw = randomBytes(inflatedSize(scanlineLayout(header(h))));
    for (let row = 0; row < h.height; row++) raw[row * 4001] = row === 2 ? 9 : 0;
    const compressed = deflateSync(raw, { level: 1 });
    const pieces = Math.ceil(compressed.length / 4096);
    let pulled = 0;
    async function* chunks() {
      for (let i = 0; i < pieces; i++) {
        pulled++;
        yield compressed.subarray(i * 4096, (i + 1) * 4096);
      }
    }
    expect(await checkImageData(header(h), chunks())).toEqual({ ok: false, reason: 'corrupt PNG: row 3 has filter type 9 (only 0–4 exist)' });
    expect(pieces).toBeGreaterThan(900);
    expect(pulled).toBeLessThan(100);
  });

  it('the route hands it the IDAT chunks as they sit in the upload, without concatenating them', () => {
    const h: HandmadeHeader = { width: 50, height: 50, bitDepth: 8, colourType: 6 };
    const png = assemblePng(h, deflateSync(randomBytes(rawScanlines(h).length)), { idatSize: 1000 });
    const inspection = inspectPng(png);
    if (!inspection.ok) throw new Error(inspection.reason);
    expect(inspection.imageData.length).toBeGreaterThan(5);
    for (const data of inspection.imageData) expect(data.buffer).toBe(png.buffer);
  });
});
