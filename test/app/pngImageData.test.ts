import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PNG, type ColorType } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkImageData, inflatedSize, scanlineChecker, scanlineLayout } from '../../app/image/pngImageData.js';
import { inspectPng, type PngHeader } from '../../app/image/pngInspection.js';
import { unfilterScanline } from '../../app/image/unfilterScanline.js';
import { assemblePng, corruptPngs, filterScanline, handmadePng, pngChunk, rawScanlines, sampledScanlines, type HandmadeHeader } from '../support/handmadePng.js';
import { pngjsReads } from '../support/pngjsReads.js';

const header = (h: HandmadeHeader): PngHeader => ({ interlaced: false, ...h });

/** What the route does: the chunk check, then the image data check. */
async function check(png: Buffer) {
  const inspection = inspectPng(png);
  if (!inspection.ok) return inspection;
  return checkImageData(inspection.header, inspection.imageData);
}


/** A small deterministic random source (mulberry32), so that a failing case can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The PNG rebuilt from its chunks after `change` (CRCs recomputed), to make chunk-level corruption. */
function rechunked(png: Buffer, change: (chunks: Array<[string, Buffer]>) => Array<[string, Buffer]>): Buffer {
  const chunks: Array<[string, Buffer]> = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    chunks.push([png.toString('latin1', offset + 4, offset + 8), png.subarray(offset + 8, offset + 8 + length)]);
    offset += 12 + length;
  }
  return Buffer.concat([png.subarray(0, 8), ...change(chunks).map(([type, data]) => pngChunk(type, data))]);
}

function pngjsImage(colorType: ColorType, bitDepth: 8 | 16, width = 37, height = 23): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 7) & 0xff;
  return PNG.sync.write(image, { colorType, bitDepth, inputColorType: 6 });
}

describe('scanlineLayout (how many bytes the header implies)', () => {
  it('is one row of 1 filter byte + ceil(width × bits per pixel / 8) per line when not interlaced', () => {
    expect(scanlineLayout(header({ width: 10, height: 10, bitDepth: 8, colourType: 6 }))).toEqual([{ pass: 0, columns: 10, rows: 10, rowBytes: 41 }]);
    expect(scanlineLayout(header({ width: 10, height: 4, bitDepth: 1, colourType: 0 }))).toEqual([{ pass: 0, columns: 10, rows: 4, rowBytes: 3 }]);
    expect(scanlineLayout(header({ width: 3, height: 1, bitDepth: 16, colourType: 2 }))).toEqual([{ pass: 0, columns: 3, rows: 1, rowBytes: 19 }]);
    expect(scanlineLayout(header({ width: 5, height: 1, bitDepth: 2, colourType: 3 }))).toEqual([{ pass: 0, columns: 5, rows: 1, rowBytes: 3 }]);
  });

  it('follows the 7 Adam7 passes of an interlaced image (10×10 RGBA: 100 pixels + 20 filter bytes)', () => {
    const layout = scanlineLayout(header({ width: 10, height: 10, bitDepth: 8, colourType: 6, interlaced: true }));
    expect(layout.map(({ pass, columns, rows, rowBytes }) => [pass, columns, rows, rowBytes])).toEqual([
      [1, 2, 2, 9],
      [2, 1, 2, 5],
      [3, 3, 1, 13],
      [4, 2, 3, 9],
      [5, 5, 2, 21],
      [6, 5, 5, 21],
      [7, 10, 5, 41],
    ]);
    expect(inflatedSize(layout)).toBe(420);
  });

  it('leaves out the empty passes of a tiny interlaced image', () => {
    expect(scanlineLayout(header({ width: 1, height: 1, bitDepth: 8, colourType: 0, interlaced: true }))).toEqual([{ pass: 1, columns: 1, rows: 1, rowBytes: 2 }]);
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
    it('bytes after the end of the zlib stream', async () => {
      expect(await check(corrupt.afterZlibStream)).toEqual({ ok: false, reason: 'corrupt PNG: the image data (IDAT) has 5 bytes after the end of its zlib stream' });
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

describe('unfilterScanline (undoing the five PNG filters)', () => {
  it('undoes what the specification\'s filters do: each filter, 1 to 8 bytes per pixel, with and without a scanline above', () => {
    const random = seeded(7);
    for (const bytesPerPixel of [1, 2, 3, 4, 6, 8]) {
      for (const filter of [0, 1, 2, 3, 4]) {
        for (const spread of [4, 256]) {
          // Small values make Paeth's ties (left, then up, then up-left) frequent.
          const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * spread)));
          const raw = bytes(bytesPerPixel * 13 + 5);
          for (const above of [bytes(raw.length), null]) {
            const row = Uint8Array.from(filterScanline(filter, raw, above, bytesPerPixel));
            unfilterScanline(filter, row, above, bytesPerPixel);
            expect(Buffer.from(row), JSON.stringify({ bytesPerPixel, filter, spread, above: above !== null })).toEqual(raw);
          }
        }
      }
    }
  });
});

describe('checkImageData: palette indices against the PLTE', () => {
  // Fewer entries than each bit depth could index, so that an index can point past them.
  const cases = [
    [1, 1],
    [2, 3],
    [4, 10],
    [8, 200],
  ] as const;
  const imageOf = (bitDepth: number, entries: number, interlaced: boolean, bad?: number) => {
    const h: HandmadeHeader = { width: 37, height: 23, bitDepth, colourType: 3, interlaced };
    // Every scanline filtered, with the five filters in turn; one pixel, (20, 8), possibly out of the palette.
    const data = sampledScanlines(h, (x, y) => (x === 20 && y === 8 && bad !== undefined ? bad : (x * 7 + y * 3) % entries), (scanline) => scanline % 5);
    return assemblePng(h, deflateSync(data), { paletteEntries: entries });
  };

  describe.each(cases)('bit depth %i, a PLTE of %i entries', (bitDepth, entries) => {
    it.each([false, true])('accepts an image whose every index is in the palette, filtered rows and all (interlaced: %s), as pngjs does', async (interlaced) => {
      const png = imageOf(bitDepth, entries, interlaced);
      expect(pngjsReads(png)).toBe(true);
      expect(await check(png)).toMatchObject({ ok: true });
    });

    it('refuses an index past the palette, naming the row and the pixel, where pngjs refuses it too', async () => {
      const bad = 2 ** bitDepth - 1;
      const tail = `has palette index ${bad} at its pixel`;
      const past = `past the ${entries} entries of the PLTE chunk (0–${entries - 1})`;
      const plain = imageOf(bitDepth, entries, false, bad);
      expect(pngjsReads(plain)).toBe(false);
      expect(await check(plain)).toEqual({ ok: false, reason: `corrupt PNG: row 9 ${tail} 21, ${past}` });
      // (20, 8) is Adam7 pass 2's third pixel (x = 4 + 2 × 8) of its second row (y = 0 + 1 × 8).
      const interlaced = imageOf(bitDepth, entries, true, bad);
      expect(pngjsReads(interlaced)).toBe(false);
      expect(await check(interlaced)).toEqual({ ok: false, reason: `corrupt PNG: row 2 of Adam7 pass 2 ${tail} 3, ${past}` });
    });
  });

  it('agrees with pngjs on 300 random palette images: any size, bit depth, palette size, filters and interlacing', async () => {
    const random = seeded(2024);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const bitDepth = pick([1, 2, 4, 8]);
      const h: HandmadeHeader = { width: 1 + Math.floor(random() * 20), height: 1 + Math.floor(random() * 20), bitDepth, colourType: 3, interlaced: random() < 0.5 };
      const entries = 1 + Math.floor(random() * Math.min(256, 2 ** bitDepth));
      // Mostly indices inside the palette, now and then one past it.
      const sample = () => (random() < 0.995 ? Math.floor(random() * entries) : Math.floor(random() * 2 ** bitDepth));
      const png = assemblePng(h, deflateSync(sampledScanlines(h, sample, () => pick([0, 1, 2, 3, 4]))), { paletteEntries: entries });
      const verdict = await check(png);
      expect(verdict.ok, JSON.stringify({ i, ...h, entries })).toBe(pngjsReads(png));
      if (!verdict.ok) refused++;
    }
    expect(refused).toBeGreaterThan(20);
    expect(refused).toBeLessThan(280);
  });

  it('checks nothing more when the PLTE has every entry the bit depth can index (the handmade images, indices 0–255)', async () => {
    expect(await check(handmadePng({ width: 19, height: 7, bitDepth: 8, colourType: 3 }))).toMatchObject({ ok: true });
  });
});

describe('the PLTE chunk itself', () => {
  const palettePng = handmadePng({ width: 5, height: 4, bitDepth: 2, colourType: 3 });
  const withPalette = (...palettes: Buffer[]) => rechunked(palettePng, (chunks) => chunks.flatMap(([type, data]) => (type === 'PLTE' ? palettes.map((p): [string, Buffer] => ['PLTE', p]) : [[type, data]])));

  it('gives the header its number of entries, for the image data to be checked against', () => {
    expect(inspectPng(withPalette(Buffer.alloc(9)))).toMatchObject({ ok: true, header: { paletteEntries: 3 } });
    const withoutPalette = inspectPng(pngjsImage(6, 8));
    expect(withoutPalette.ok && withoutPalette.header.paletteEntries).toBeUndefined();
  });

  it.each([
    ['empty', 0],
    ['not a whole number of entries', 10],
    ['over 256 entries (a decoder keeps an object per entry)', 3 * 257],
  ])('is refused when %s', (_case, bytes) => {
    expect(inspectPng(withPalette(Buffer.alloc(bytes)))).toEqual({ ok: false, reason: `corrupt PNG: a PLTE chunk of ${bytes} bytes (3 per entry, 1 to 256 entries)` });
  });

  it('is refused when there is a second one', () => {
    expect(inspectPng(withPalette(Buffer.alloc(9), Buffer.alloc(9)))).toEqual({ ok: false, reason: 'corrupt PNG: a second PLTE chunk at byte 54' });
  });
});

describe('checkImageData: bytes after the end of the zlib stream', () => {
  const h: HandmadeHeader = { width: 30, height: 20, bitDepth: 8, colourType: 2 };
  const stream = deflateSync(rawScanlines(h));

  it.each([
    ['at the end of the last IDAT chunk', { idatSize: 8192 }],
    ['in IDAT chunks of their own', { idatSize: stream.length }],
    ['spread over many small IDAT chunks', { idatSize: 7 }],
  ])('are counted wherever they sit: %s', async (_where, options) => {
    expect(await check(assemblePng(h, Buffer.concat([stream, Buffer.alloc(40, 0xab)]), options))).toEqual({
      ok: false,
      reason: 'corrupt PNG: the image data (IDAT) has 40 bytes after the end of its zlib stream',
    });
  });

  it('include a second zlib stream after the first (the image is in the first)', async () => {
    const second = deflateSync(Buffer.from('more'));
    expect(await check(assemblePng(h, Buffer.concat([stream, second])))).toEqual({
      ok: false,
      reason: `corrupt PNG: the image data (IDAT) has ${second.length} bytes after the end of its zlib stream`,
    });
  });

  it('are found whatever pieces the data comes in, one byte at a time included', async () => {
    const data = Buffer.concat([stream, Buffer.from('xyz')]);
    async function* bytes() {
      for (const byte of data) yield Uint8Array.of(byte);
    }
    expect(await checkImageData(header(h), bytes())).toEqual({ ok: false, reason: 'corrupt PNG: the image data (IDAT) has 3 bytes after the end of its zlib stream' });
  });

  it('are not there in a stream that fills its chunks exactly, however they are cut', async () => {
    for (const idatSize of [1, 2, 7, 1000, stream.length]) {
      expect(await check(assemblePng(h, stream, { idatSize })), `IDAT chunks of ${idatSize} bytes`).toEqual({ ok: true, inflatedBytes: rawScanlines(h).length });
    }
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

  it('for a palette image, scanlineChecker keeps one scanline and the one above it: the same verdict whole or byte by byte', () => {
    const h: HandmadeHeader = { width: 29, height: 13, bitDepth: 4, colourType: 3, interlaced: true };
    const data = sampledScanlines(h, (x, y) => (x === 27 && y === 11 ? 12 : (x + y) % 12), (scanline) => scanline % 5);
    const verdict = (pieces: Uint8Array[]) => {
      const checker = scanlineChecker({ ...header(h), paletteEntries: 12 });
      for (const piece of pieces) {
        const wrong = checker.push(piece);
        if (wrong) return wrong;
      }
      return checker.end();
    };
    const expected = 'corrupt PNG: row 6 of Adam7 pass 7 has palette index 12 at its pixel 28, past the 12 entries of the PLTE chunk (0–11)';
    expect(verdict([data])).toBe(expected);
    expect(verdict([...data].map((byte) => Uint8Array.of(byte)))).toBe(expected);
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
    expect([...inspection.imageData].length).toBeGreaterThan(5);
    for (const data of inspection.imageData) expect(data.buffer).toBe(png.buffer);
  });
});
