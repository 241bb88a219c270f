import { crc32 } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The signature and the whole IHDR chunk (length, type, 13 bytes of data, CRC): all a verdict on the head needs. */
export const PNG_HEAD_BYTES = 8 + 12 + 13;

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

/** The bit depths the PNG specification allows for each colour type. */
export const BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export type PngHeadCheck =
  /** Too few bytes yet to tell: the rest of the head has not arrived (or never will: a truncated PNG). */
  | { state: 'incomplete' }
  | { state: 'refused'; reason: string }
  | { state: 'valid'; header: PngHeader };

const INCOMPLETE: PngHeadCheck = { state: 'incomplete' };
const refused = (reason: string): PngHeadCheck => ({ state: 'refused', reason });

/**
 * Judges the first bytes of an upload, of any length (the whole PNG, or what has arrived of it):
 * the signature, then the first chunk, which must be a valid IHDR. It answers as soon as the bytes
 * allow: a body that does not start like a PNG is refused on its first byte that differs, one
 * whose first chunk is not IHDR once its type has arrived, so that an upload can be refused while
 * it is still arriving, without reading the rest. The same function serves inspectPng on a whole
 * PNG, so that the verdict and the message do not depend on how much had arrived.
 */
export function checkPngHead(bytes: Uint8Array): PngHeadCheck {
  const signature = Math.min(bytes.length, PNG_SIGNATURE.length);
  if (!PNG_SIGNATURE.subarray(0, signature).equals(bytes.subarray(0, signature))) return refused('not a PNG: the PNG signature is missing');
  if (bytes.length < 16) return INCOMPLETE;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Before the chunk's CRC, which a first chunk of any other kind could make us wait gigabytes for.
  if (view.readUInt32BE(8) !== 13 || view.toString('latin1', 12, 16) !== 'IHDR') return refused('corrupt PNG: the first chunk is not IHDR');
  if (bytes.length < PNG_HEAD_BYTES) return INCOMPLETE;
  if (crc32(view.subarray(12, 29)) !== view.readUInt32BE(29)) return refused('corrupt PNG: CRC mismatch in chunk "IHDR" at byte 8');
  const [bitDepth = 0, colourType = 0, compression, filter, interlace] = view.subarray(24, 29);
  const header: PngHeader = { width: view.readUInt32BE(16), height: view.readUInt32BE(20), bitDepth, colourType, interlaced: interlace === 1 };
  if (header.width === 0 || header.height === 0) return refused('corrupt PNG: zero width or height');
  if (header.width > 0x7fffffff || header.height > 0x7fffffff) return refused('corrupt PNG: width or height over 2^31 - 1');
  const depths = BIT_DEPTHS[colourType];
  if (!depths) return refused(`corrupt PNG: no colour type ${colourType} (only 0, 2, 3, 4, 6)`);
  if (!depths.includes(bitDepth)) return refused(`corrupt PNG: bit depth ${bitDepth} with colour type ${colourType} (allowed: ${depths.join(', ')})`);
  if (compression !== 0 || filter !== 0) return refused(`corrupt PNG: unknown compression method ${compression} or filter method ${filter} (only 0)`);
  if (interlace !== 0 && interlace !== 1) return refused(`corrupt PNG: unknown interlace method ${interlace} (only 0 or 1)`);
  return { state: 'valid', header };
}
