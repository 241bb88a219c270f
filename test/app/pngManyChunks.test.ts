import { describe, expect, it } from 'vitest';
import { coalescedPieces } from '../../app/image/coalescedPieces.js';
import { checkImageData } from '../../app/image/pngImageData.js';
import { inspectPng, PNG_MAX_CHUNKS } from '../../app/image/pngInspection.js';
import { handmadePng, pngChunk, rawScanlines, type HandmadeHeader } from '../support/handmadePng.js';

const tiny: HandmadeHeader = { width: 3, height: 2, bitDepth: 8, colourType: 0 };
/** IHDR, one IDAT, IEND. */
const CHUNKS_OF_TINY = 3;

/** A valid PNG with `count` copies of `chunk` between its IHDR and its image data. */
function padded(chunk: Buffer, count: number): Buffer {
  const png = handmadePng(tiny);
  const afterIhdr = 8 + 12 + 13;
  return Buffer.concat([png.subarray(0, afterIhdr), ...Array.from({ length: count }, () => chunk), png.subarray(afterIhdr)]);
}

const kinds = [
  ['empty IDAT', pngChunk('IDAT')],
  ['tEXt', pngChunk('tEXt', Buffer.from('Comment\0hi', 'latin1'))],
  ['unknown ancillary', pngChunk('prVt', Buffer.from([1]))],
] as const;

async function collected(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of pieces) out.push(piece);
  return out;
}

describe('inspectPng: at most PNG_MAX_CHUNKS chunks', () => {
  it('is 100,000: far more than encoders write (libpng: 8 KiB IDAT chunks, a few thousand for 20 MiB), far fewer than 1.6 million tiny ones', () => {
    expect(PNG_MAX_CHUNKS).toBe(100_000);
  });

  it.each(kinds)('accepts a PNG of exactly PNG_MAX_CHUNKS chunks, %s ones included', async (_kind, chunk) => {
    const png = padded(chunk, PNG_MAX_CHUNKS - CHUNKS_OF_TINY);
    const inspection = inspectPng(png);
    if (!inspection.ok) throw new Error(inspection.reason);
    expect(await checkImageData(inspection.header, inspection.imageData)).toEqual({ ok: true, inflatedBytes: rawScanlines(tiny).length });
  });

  it.each(kinds)('refuses one more, %s ones as much as any: the count is the cost, not the kind', (_kind, chunk) => {
    expect(inspectPng(padded(chunk, PNG_MAX_CHUNKS - CHUNKS_OF_TINY + 1))).toEqual({
      ok: false,
      reason: 'the PNG has more than 100000 chunks, the most accepted (encoders write a few thousand at most): re-encode it',
    });
  });

  it('stops walking at the chunk one past the limit: what follows it is not looked at', () => {
    const overLimit = padded(pngChunk('IDAT'), PNG_MAX_CHUNKS);
    const garbageAfter = Buffer.concat([overLimit.subarray(0, overLimit.length - 12), Buffer.from('not a chunk at all')]);
    expect(inspectPng(garbageAfter)).toMatchObject({ ok: false, reason: /^the PNG has more than 100000 chunks/ });
  });
});

describe('inspectPng: the image data, without an object per chunk', () => {
  const png = padded(pngChunk('IDAT'), 1000);

  it('is read from the input each time it is iterated, not collected: no list of chunks to hold', () => {
    const inspection = inspectPng(png);
    if (!inspection.ok) throw new Error(inspection.reason);
    expect(Array.isArray(inspection.imageData)).toBe(false);
    const [first, second] = [[...inspection.imageData], [...inspection.imageData]];
    expect(second).toEqual(first);
    for (const piece of first) expect(piece.buffer).toBe(png.buffer);
  });

  it('gives no piece for an empty IDAT chunk: 1,000 of them and the real one give one piece', () => {
    const inspection = inspectPng(png);
    if (!inspection.ok) throw new Error(inspection.reason);
    expect([...inspection.imageData]).toHaveLength(1);
  });

  it('is the run of consecutive IDAT chunks: an ancillary chunk after it, before IEND, is not image data', () => {
    const cut = handmadePng(tiny);
    const idatAt = 8 + 12 + 13;
    const idatLength = cut.readUInt32BE(idatAt);
    const data = cut.subarray(idatAt + 8, idatAt + 8 + idatLength);
    const split = Buffer.concat([
      cut.subarray(0, idatAt),
      pngChunk('IDAT', data.subarray(0, 5)),
      pngChunk('IDAT', data.subarray(5)),
      pngChunk('tEXt', Buffer.from('Comment\0after', 'latin1')),
      pngChunk('IEND'),
    ]);
    const inspection = inspectPng(split);
    if (!inspection.ok) throw new Error(inspection.reason);
    expect(Buffer.concat([...inspection.imageData])).toEqual(data);
  });
});

describe('coalescedPieces (what zlib is handed: its cost is per piece, whatever its size)', () => {
  const SIZE = 16;

  it('gives the same bytes in the same order, however they were cut', async () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    for (const cuts of [[1], [0, 1, 0, 2], [15, 16, 17], [3, 40, 1, 1, 1, 33], [1000]]) {
      const pieces: Uint8Array[] = [];
      for (let at = 0, i = 0; at < bytes.length; i++) {
        const length = cuts[i % cuts.length] as number;
        pieces.push(bytes.subarray(at, at + length));
        at += length;
      }
      expect(Buffer.concat(await collected(coalescedPieces(pieces, SIZE))), JSON.stringify(cuts)).toEqual(bytes);
    }
  });

  it('gathers small pieces into pieces of at most `size` bytes: a million one-byte pieces become 62 of 16 KiB', async () => {
    const byte = Uint8Array.of(7);
    const out = await collected(coalescedPieces({ *[Symbol.iterator]() { for (let i = 0; i < 1_000_000; i++) yield byte; } }, 16 * 1024));
    expect(out).toHaveLength(Math.ceil(1_000_000 / (16 * 1024)));
    expect(out.every((piece) => piece.length <= 16 * 1024)).toBe(true);
  });

  it('drops empty pieces: a million of them give none', async () => {
    const empty = new Uint8Array(0);
    expect(await collected(coalescedPieces({ *[Symbol.iterator]() { for (let i = 0; i < 1_000_000; i++) yield empty; } }, SIZE))).toEqual([]);
  });

  it('passes a piece of `size` bytes or more through as it is, after what was gathered before it', async () => {
    const large = Buffer.alloc(SIZE, 9);
    const out = await collected(coalescedPieces([Uint8Array.of(1), Uint8Array.of(2), large, Uint8Array.of(3)], SIZE));
    expect(out.map((piece) => [...piece])).toEqual([[1, 2], [...large], [3]]);
    expect(out[1]).toBe(large);
  });

  it('never writes into a piece it has handed over (the consumer may still be holding it)', async () => {
    const held: Uint8Array[] = [];
    const snapshots: number[][] = [];
    for await (const piece of coalescedPieces(Array.from({ length: 100 }, (_, i) => Uint8Array.of(i, i)), SIZE)) {
      held.push(piece);
      snapshots.push([...piece]);
    }
    expect(held.map((piece) => [...piece])).toEqual(snapshots);
  });

  it('takes asynchronous pieces too', async () => {
    async function* pieces() {
      for (let i = 0; i < 40; i++) yield Uint8Array.of(i);
    }
    const out = await collected(coalescedPieces(pieces(), SIZE));
    expect(out.map((piece) => piece.length)).toEqual([16, 16, 8]);
  });
});
