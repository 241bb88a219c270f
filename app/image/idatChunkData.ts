/** Chunk types as the big-endian numbers their four letters make: compared without a string per chunk. */
const IDAT = 0x49444154;

/**
 * The data of a PNG's IDAT chunks, in order, read from the PNG each time it is iterated, from the
 * chunk at `firstIdat` to the last of the consecutive IDAT chunks that start there. Each piece is a
 * view into `png` (not a copy), and none is kept: a PNG in many chunks costs as many short-lived
 * views, one at a time, never all of them held at once. Empty chunks give no piece. Only for bytes
 * inspectPng has accepted: their chunk lengths are trusted, and all their IDAT chunks are in that
 * one run (it refuses a PNG whose IDAT chunks are not consecutive).
 */
export function idatChunkData(png: Buffer, firstIdat: number): Iterable<Buffer> {
  return {
    *[Symbol.iterator]() {
      for (let offset = firstIdat; offset + 8 <= png.length; ) {
        const length = png.readUInt32BE(offset);
        if (png.readUInt32BE(offset + 4) !== IDAT) return;
        if (length > 0) yield png.subarray(offset + 8, offset + 8 + length);
        offset += 12 + length;
      }
    },
  };
}
