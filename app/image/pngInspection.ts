import { crc32 } from 'node:zlib';
import { idatChunkData } from './idatChunkData.js';
import { checkPngHead, type PngHeader } from './pngHead.js';

export { BIT_DEPTHS, type PngHeader } from './pngHead.js';

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

export type PngInspection =
  | { ok: true; width: number; height: number; header: PngHeader; /** the IDAT chunks' data, in order, read from the input as it is iterated (views, none kept: idatChunkData) */ imageData: Iterable<Buffer> }
  | { ok: false; reason: string };

/** The colour types a PLTE chunk may come with: the PNG specification forbids one in a grayscale image (0 and 4). */
const MAY_HAVE_PALETTE = new Set([2, 3, 6]);

/**
 * Checks, without decoding pixels, that bytes are a whole PNG: the signature and a valid IHDR
 * first (checkPngHead), every chunk complete with a matching CRC, one PLTE of 1 to 256 entries
 * before the data (required in a palette image, optional in an RGB one, none in a grayscale one),
 * the IDAT chunks one after the other, an IEND as the last bytes, and no more than PNG_MAX_CHUNKS
 * chunks. This catches non-PNG, truncated and corrupted uploads at the door (a 400), cheaply
 * enough to run on every request: it keeps nothing per chunk. The image data itself (zlib, size,
 * row filters, palette indices) is checked by checkImageData (pngImageData.ts), once the pixel
 * limit has been applied.
 */
export function inspectPng(bytes: Buffer): PngInspection {
  const head = checkPngHead(bytes);
  if (head.state === 'refused') return { ok: false, reason: head.reason };
  if (head.state === 'incomplete') return { ok: false, reason: cutInTheHead(bytes.length) };
  const header = head.header;
  let offset = 8;
  let firstIdat: number | null = null;
  /** The first chunk after the image data, once there is one: no IDAT may come after it. */
  let afterIdat: { type: string; offset: number } | null = null;
  let sawPalette = false;
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
    // A chunk whose type starts with a capital is critical: a decoder that does not know it must
    // not show the image (PNG spec 5.4), and the worker's decoder would fail on it.
    if (type === 'IHDR' && ++headers > 1) return { ok: false, reason: `corrupt PNG: a second IHDR chunk at byte ${offset}` };
    if (((bytes[offset + 4] ?? 0) & 0x20) === 0 && !KNOWN_CRITICAL.has(type)) {
      return { ok: false, reason: `corrupt PNG: unknown critical chunk ${JSON.stringify(type)} at byte ${offset}` };
    }
    if (type === 'PLTE') {
      // pngjs decodes such an image and ignores the palette; the specification forbids it all the same.
      if (!MAY_HAVE_PALETTE.has(header.colourType)) {
        return { ok: false, reason: `corrupt PNG: a PLTE chunk at byte ${offset} in a grayscale image (colour type ${header.colourType}), which must have none` };
      }
      // The specification's ordering rules: "PLTE shall precede the first IDAT chunk", the
      // suggested palette of an RGB image too. pngjs takes one after the data; other decoders may not.
      if (firstIdat !== null) {
        return { ok: false, reason: `corrupt PNG: a PLTE chunk at byte ${offset}, after the image data (the first IDAT chunk is at byte ${firstIdat}): the PLTE must come before it` };
      }
      if (sawPalette) return { ok: false, reason: `corrupt PNG: a second PLTE chunk at byte ${offset}` };
      // A decoder keeps an object per entry: a 20 MB "palette" would cost it half a gigabyte.
      if (length % 3 !== 0 || length === 0 || length > 3 * 256) return { ok: false, reason: `corrupt PNG: a PLTE chunk of ${length} bytes (3 per entry, 1 to 256 entries)` };
      sawPalette = true;
      header.paletteEntries = length / 3;
    }
    if (type === 'IDAT') {
      if (header.colourType === 3 && !sawPalette) return { ok: false, reason: 'corrupt PNG: a palette image (colour type 3) without a PLTE chunk before its data' };
      // The image data is one stream cut into consecutive chunks (the specification's ordering
      // rules: "multiple IDAT chunks shall be consecutive"). pngjs joins the pieces across whatever
      // sits between them, but a PNG that breaks the rule is not one every decoder reads.
      if (afterIdat) {
        return { ok: false, reason: `corrupt PNG: the IDAT chunks are not consecutive (a ${JSON.stringify(afterIdat.type)} chunk at byte ${afterIdat.offset} comes between them)` };
      }
      firstIdat ??= offset;
    } else if (firstIdat !== null) {
      afterIdat ??= { type, offset };
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

/** What is wrong with a PNG that ends before its IHDR chunk does (what checkPngHead calls incomplete). */
function cutInTheHead(length: number): string {
  if (length < 8) return 'not a PNG: the PNG signature is missing';
  if (length === 8) return 'corrupt PNG: truncated (no IEND chunk)';
  if (length < 8 + 12) return 'corrupt PNG: truncated chunk header at byte 8';
  return 'corrupt PNG: chunk "IHDR" at byte 8 runs past the end';
}
