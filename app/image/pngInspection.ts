import { crc32 } from 'node:zlib';
import { idatChunkData } from './idatChunkData.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The IHDR fields that fix how many bytes the image data inflates to, and the palette's size. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grayscale, 2 RGB, 3 palette, 4 grayscale + alpha, 6 RGBA */
  colourType: number;
  /** Adam7 (interlace method 1) */
  interlaced: boolean;
  /** Entries in the PLTE chunk, when there is one: a palette image's pixels index into it. */
  paletteEntries?: number;
}

/** The critical chunks PNG defines; any other critical one makes the image undecodable. */
const KNOWN_CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

/**
 * The most chunks a PNG may have, all kinds counted. Encoders write few: libpng cuts the image
 * data into IDAT chunks of 8 KiB (a few thousand for 20 MiB), pngjs into 32 KiB ones or a single
 * one, and libpng keeps no more than 1,000 ancillary chunks (tEXt, iTXt, unknown ones) by default.
 * A PNG of tiny chunks costs per chunk, not per byte: walking them here (0.5 to 1 µs each: 50 to
 * 130 ms for 100,000, less than checking one 16 MB image), and the worker's decoder an object per IDAT chunk (1.6 million empty ones took
 * 210 MB of heap; 100,000 take about 20 MB of the randomize thread's 64 MB) and time per chunk of
 * any kind (1.4 million tEXt chunks: 3 s). The limit is on the count, not the kind: an ancillary
 * chunk costs the walk as much as an IDAT.
 */
export const PNG_MAX_CHUNKS = 100_000;

/** The bit depths the PNG specification allows for each colour type. */
export const BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export type PngInspection =
  | { ok: true; width: number; height: number; header: PngHeader; /** the IDAT chunks' data, in order, read from the input as it is iterated (views, none kept: idatChunkData) */ imageData: Iterable<Buffer> }
  | { ok: false; reason: string };

/**
 * Checks, without decoding pixels, that bytes are a whole PNG: the signature, a valid IHDR first,
 * every chunk complete with a matching CRC, one PLTE of 1 to 256 entries (before the data, for a
 * palette image), an IEND as the last bytes, and no more than PNG_MAX_CHUNKS chunks. This catches
 * non-PNG, truncated and corrupted uploads at the door (a 400), cheaply enough to run on every
 * request: it keeps nothing per chunk. The image data itself (zlib, size, row filters, palette
 * indices) is checked by checkImageData (pngImageData.ts), once the pixel limit has been applied.
 */
export function inspectPng(bytes: Buffer): PngInspection {
  if (bytes.length < SIGNATURE.length || !bytes.subarray(0, 8).equals(SIGNATURE)) {
    return { ok: false, reason: 'not a PNG: the PNG signature is missing' };
  }
  let offset = 8;
  let header: PngHeader = { width: 0, height: 0, bitDepth: 0, colourType: 0, interlaced: false };
  let firstIdat: number | null = null;
  let sawPalette = false;
  let first = true;
  let headers = 0;
  let chunks = 0;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) return { ok: false, reason: `corrupt PNG: truncated chunk header at byte ${offset}` };
    if (++chunks > PNG_MAX_CHUNKS) {
      return { ok: false, reason: `the PNG has more than ${PNG_MAX_CHUNKS} chunks, the most accepted (encoders write a few thousand at most): re-encode it` };
    }
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) return { ok: false, reason: `corrupt PNG: chunk ${JSON.stringify(type)} at byte ${offset} runs past the end` };
    const expected = bytes.readUInt32BE(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== expected) {
      return { ok: false, reason: `corrupt PNG: CRC mismatch in chunk ${JSON.stringify(type)} at byte ${offset}` };
    }
    if (first) {
      if (type !== 'IHDR' || length !== 13) return { ok: false, reason: 'corrupt PNG: the first chunk is not IHDR' };
      const [bitDepth, colourType, compression, filter, interlace] = bytes.subarray(offset + 16, offset + 21);
      header = { width: bytes.readUInt32BE(offset + 8), height: bytes.readUInt32BE(offset + 12), bitDepth: bitDepth ?? 0, colourType: colourType ?? 0, interlaced: interlace === 1 };
      if (header.width === 0 || header.height === 0) return { ok: false, reason: 'corrupt PNG: zero width or height' };
      if (header.width > 0x7fffffff || header.height > 0x7fffffff) return { ok: false, reason: 'corrupt PNG: width or height over 2^31 - 1' };
      const depths = BIT_DEPTHS[header.colourType];
      if (!depths) return { ok: false, reason: `corrupt PNG: no colour type ${header.colourType} (only 0, 2, 3, 4, 6)` };
      if (!depths.includes(header.bitDepth)) return { ok: false, reason: `corrupt PNG: bit depth ${header.bitDepth} with colour type ${header.colourType} (allowed: ${depths.join(', ')})` };
      if (compression !== 0 || filter !== 0) return { ok: false, reason: `corrupt PNG: unknown compression method ${compression} or filter method ${filter} (only 0)` };
      if (interlace !== 0 && interlace !== 1) return { ok: false, reason: `corrupt PNG: unknown interlace method ${interlace} (only 0 or 1)` };
      first = false;
    }
    // A chunk whose type starts with a capital is critical: a decoder that does not know it must
    // not show the image (PNG spec 5.4), and the worker's decoder would fail on it.
    if (type === 'IHDR' && ++headers > 1) return { ok: false, reason: `corrupt PNG: a second IHDR chunk at byte ${offset}` };
    if (((bytes[offset + 4] ?? 0) & 0x20) === 0 && !KNOWN_CRITICAL.has(type)) {
      return { ok: false, reason: `corrupt PNG: unknown critical chunk ${JSON.stringify(type)} at byte ${offset}` };
    }
    if (type === 'PLTE') {
      if (sawPalette) return { ok: false, reason: `corrupt PNG: a second PLTE chunk at byte ${offset}` };
      // A decoder keeps an object per entry: a 20 MB "palette" would cost it half a gigabyte.
      if (length % 3 !== 0 || length === 0 || length > 3 * 256) return { ok: false, reason: `corrupt PNG: a PLTE chunk of ${length} bytes (3 per entry, 1 to 256 entries)` };
      sawPalette = true;
      header.paletteEntries = length / 3;
    }
    if (type === 'IDAT') {
      if (header.colourType === 3 && !sawPalette) return { ok: false, reason: 'corrupt PNG: a palette image (colour type 3) without a PLTE chunk before its data' };
      firstIdat ??= offset;
    }
    if (type === 'IEND') {
      if (firstIdat === null) return { ok: false, reason: 'corrupt PNG: no image data (IDAT)' };
      if (end !== bytes.length) return { ok: false, reason: `corrupt PNG: ${bytes.length - end} bytes after the IEND chunk (it must be the last)` };
      return { ok: true, width: header.width, height: header.height, header, imageData: idatChunkData(bytes, firstIdat) };
    }
    offset = end;
  }
  return { ok: false, reason: 'corrupt PNG: truncated (no IEND chunk)' };
}
