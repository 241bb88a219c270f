import { crc32 } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type PngInspection =
  | { ok: true; width: number; height: number }
  | { ok: false; reason: string };

/**
 * Checks, without decoding pixels, that bytes are a whole PNG: the signature, an IHDR first,
 * every chunk complete with a matching CRC, and an IEND at the end. This catches non-PNG,
 * truncated and corrupted uploads at the door (a 400), cheaply enough to run on every request.
 */
export function inspectPng(bytes: Buffer): PngInspection {
  if (bytes.length < SIGNATURE.length || !bytes.subarray(0, 8).equals(SIGNATURE)) {
    return { ok: false, reason: 'not a PNG: the PNG signature is missing' };
  }
  let offset = 8;
  let width = 0;
  let height = 0;
  let sawData = false;
  let first = true;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) return { ok: false, reason: `corrupt PNG: truncated chunk header at byte ${offset}` };
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
      width = bytes.readUInt32BE(offset + 8);
      height = bytes.readUInt32BE(offset + 12);
      if (width === 0 || height === 0) return { ok: false, reason: 'corrupt PNG: zero width or height' };
      first = false;
    }
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') {
      if (!sawData) return { ok: false, reason: 'corrupt PNG: no image data (IDAT)' };
      return { ok: true, width, height };
    }
    offset = end;
  }
  return { ok: false, reason: 'corrupt PNG: truncated (no IEND chunk)' };
}
