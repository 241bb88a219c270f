import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PNG, type ColorType } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { inspectPng } from '../../app/image/pngInspection.js';
import { coordinatePng } from '../support/coordinatePng.js';
import { assemblePng, handmadePng, pngChunk, rawScanlines, type HandmadeHeader } from '../support/handmadePng.js';
import { pngjsReads } from '../support/pngjsReads.js';

/** The PNG's chunks as [type, data], in order, after the signature. */
function chunksOf(png: Buffer): Array<[string, Buffer]> {
  const chunks: Array<[string, Buffer]> = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    chunks.push([png.toString('latin1', offset + 4, offset + 8), png.subarray(offset + 8, offset + 8 + length)]);
    offset += 12 + length;
  }
  return chunks;
}

/** The PNG rebuilt from `chunks` (CRCs recomputed). */
const fromChunks = (chunks: Array<[string, Buffer]>): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks.map(([type, data]) => pngChunk(type, data))]);


const rgb: HandmadeHeader = { width: 40, height: 30, bitDepth: 8, colourType: 2 };
/** IHDR, then the image data in IDAT chunks of 100 bytes, then IEND. */
const inPieces = assemblePng(rgb, deflateSync(rawScanlines(rgb)), { idatSize: 100 });
const text = (words: string): [string, Buffer] => ['tEXt', Buffer.from(`Comment\0${words}`, 'latin1')];

describe('inspectPng: the IDAT chunks come one after the other ("multiple IDAT chunks shall be consecutive")', () => {
  /** `inPieces` with `chunk` put in before its IDAT chunk number `index` (0: the first). */
  const withChunkBeforeIdat = (index: number, chunk: [string, Buffer]) => {
    const chunks = chunksOf(inPieces);
    const at = chunks.findIndex(([type]) => type === 'IDAT') + index;
    return fromChunks([...chunks.slice(0, at), chunk, ...chunks.slice(at)]);
  };

  it('refuses image data with another chunk between two of its IDAT chunks, naming the chunk and where it is', () => {
    const split = withChunkBeforeIdat(2, text('between'));
    // 8 signature + 25 IHDR + 2 × (12 + 100) IDAT
    expect(inspectPng(split)).toEqual({ ok: false, reason: 'corrupt PNG: the IDAT chunks are not consecutive (a "tEXt" chunk at byte 257 comes between them)' });
  });

  it('refuses it whatever the chunk between them is, an unknown ancillary one or an empty one included', () => {
    for (const chunk of [['prVt', Buffer.from([1])], ['tIME', Buffer.alloc(7)], text('')] as Array<[string, Buffer]>) {
      expect(inspectPng(withChunkBeforeIdat(1, chunk)), chunk[0]).toMatchObject({ ok: false, reason: /^corrupt PNG: the IDAT chunks are not consecutive \(a "\w{4}" chunk at byte 145 comes between them\)$/ });
    }
  });

  it('refuses it when the IDAT chunks after the gap are empty: the rule is on the chunks, not on their bytes', () => {
    const chunks = chunksOf(inPieces);
    const iend = chunks.length - 1;
    const late = fromChunks([...chunks.slice(0, iend), text('after'), ['IDAT', Buffer.alloc(0)], ...chunks.slice(iend)]);
    expect(inspectPng(late)).toMatchObject({ ok: false, reason: /^corrupt PNG: the IDAT chunks are not consecutive \(a "tEXt" chunk at byte \d+ comes between them\)$/ });
  });

  it('is a rule of the PNG specification, not of the worker\'s decoder: pngjs joins the pieces across the gap', () => {
    expect(pngjsReads(withChunkBeforeIdat(2, text('between')))).toBe(true);
  });

  it('takes ancillary chunks before the first IDAT chunk and after the last one, as encoders write them', () => {
    const chunks = chunksOf(inPieces);
    const first = chunks.findIndex(([type]) => type === 'IDAT');
    const iend = chunks.length - 1;
    const annotated = fromChunks([...chunks.slice(0, first), text('before'), ...chunks.slice(first, iend), text('after'), ['tIME', Buffer.alloc(7)], ...chunks.slice(iend)]);
    expect(inspectPng(annotated)).toMatchObject({ ok: true, width: 40, height: 30 });
  });
});

describe('inspectPng: no PLTE chunk in a grayscale image ("PLTE shall not appear for colour types 0 and 4")', () => {
  /** A valid image of this header with a PLTE chunk of `entries` entries put in before its image data. */
  const withPalette = (header: HandmadeHeader, entries = 4) => {
    const chunks = chunksOf(handmadePng(header));
    return fromChunks([chunks[0] as [string, Buffer], ['PLTE', Buffer.alloc(3 * entries, 0x80)], ...chunks.slice(1)]);
  };

  it.each([
    [0, 8],
    [0, 1],
    [0, 16],
    [4, 8],
    [4, 16],
  ])('refuses one in colour type %i (bit depth %i), saying where it is', (colourType, bitDepth) => {
    expect(inspectPng(withPalette({ width: 9, height: 7, bitDepth, colourType }))).toEqual({
      ok: false,
      reason: `corrupt PNG: a PLTE chunk at byte 33 in a grayscale image (colour type ${colourType}), which must have none`,
    });
  });

  it('is a rule of the PNG specification, not of the worker\'s decoder: pngjs decodes the image and ignores the palette', () => {
    expect(pngjsReads(withPalette({ width: 9, height: 7, bitDepth: 8, colourType: 0 }))).toBe(true);
    expect(pngjsReads(withPalette({ width: 9, height: 7, bitDepth: 8, colourType: 4 }))).toBe(true);
  });

  it.each([2, 6])('takes one in colour type %i (a suggested palette, which the specification allows)', (colourType) => {
    expect(inspectPng(withPalette({ width: 9, height: 7, bitDepth: 8, colourType }))).toMatchObject({ ok: true, header: { colourType, paletteEntries: 4 } });
  });
});

describe('inspectPng: the PLTE chunk comes before the image data ("PLTE shall precede the first IDAT chunk")', () => {
  /** A valid image of this header with a PLTE chunk of 4 entries put in before its chunk number `at` (IEND last). */
  const withPaletteAt = (header: HandmadeHeader, at: (chunks: Array<[string, Buffer]>) => number) => {
    const chunks = chunksOf(assemblePng(header, deflateSync(rawScanlines(header)), { idatSize: 100 }));
    const index = at(chunks);
    return fromChunks([...chunks.slice(0, index), ['PLTE', Buffer.alloc(12, 0x80)], ...chunks.slice(index)]);
  };
  const afterTheData = (chunks: Array<[string, Buffer]>) => chunks.length - 1;
  const beforeTheData = (chunks: Array<[string, Buffer]>) => chunks.findIndex(([type]) => type === 'IDAT');

  it.each([2, 6])('refuses a suggested palette after the image data in colour type %i, saying where both are', (colourType) => {
    // 8 signature + 25 IHDR, then the data of a 40 × 30 image in IDAT chunks of 100 bytes
    const png = withPaletteAt({ width: 40, height: 30, bitDepth: 8, colourType }, afterTheData);
    const plte = png.length - 12 - 24;
    expect(inspectPng(png)).toEqual({
      ok: false,
      reason: `corrupt PNG: a PLTE chunk at byte ${plte}, after the image data (the first IDAT chunk is at byte 33): the PLTE must come before it`,
    });
  });

  it('refuses one between two IDAT chunks as out of order too', () => {
    const png = withPaletteAt(rgb, (chunks) => beforeTheData(chunks) + 2);
    expect(inspectPng(png)).toEqual({ ok: false, reason: 'corrupt PNG: a PLTE chunk at byte 257, after the image data (the first IDAT chunk is at byte 33): the PLTE must come before it' });
  });

  it("is a rule of the PNG specification, not of the worker's decoder: pngjs decodes the image and ignores the palette", () => {
    expect(pngjsReads(withPaletteAt(rgb, afterTheData))).toBe(true);
  });

  it.each([2, 6])('takes the same palette before the image data in colour type %i', (colourType) => {
    expect(inspectPng(withPaletteAt({ width: 40, height: 30, bitDepth: 8, colourType }, beforeTheData))).toMatchObject({ ok: true, header: { colourType, paletteEntries: 4 } });
  });
});

describe('no PNG the tests and the demo send is refused by these rules', () => {
  it.each([[0, 8], [0, 16], [2, 8], [2, 16], [4, 8], [4, 16], [6, 8], [6, 16]] as const)('what pngjs writes (one IDAT chunk): colour type %i, bit depth %i', (colorType, bitDepth) => {
    const image = new PNG({ width: 300, height: 200 });
    image.data.set(randomBytes(image.data.length));
    expect(inspectPng(PNG.sync.write(image, { colorType: colorType as ColorType, bitDepth, inputColorType: 6 }))).toMatchObject({ ok: true });
  });

  it('the coordinate images, whatever their size', () => {
    for (const [width, height] of [[250, 130], [120, 120], [1200, 1000]] as const) expect(inspectPng(coordinatePng(width, height)), `${width}×${height}`).toMatchObject({ ok: true });
  });

  it('the handmade images of every colour type, bit depth and interlacing, in one IDAT chunk or many (7 bytes each)', () => {
    for (const [colourType, depths] of [[0, [1, 2, 4, 8, 16]], [2, [8, 16]], [3, [1, 2, 4, 8]], [4, [8, 16]], [6, [8, 16]]] as const) {
      for (const bitDepth of depths) {
        for (const interlaced of [false, true]) {
          const header = { width: 61, height: 23, bitDepth, colourType, interlaced };
          for (const idatSize of [7, 8192]) {
            const png = assemblePng(header, deflateSync(rawScanlines(header)), { idatSize });
            expect(inspectPng(png), JSON.stringify({ ...header, idatSize })).toMatchObject({ ok: true });
          }
        }
      }
    }
  });
});
