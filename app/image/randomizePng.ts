import { randomInt } from 'node:crypto';
import { PNG } from 'pngjs';
import { shuffleBlocks } from './blockShuffle.js';

export const BLOCK_SIZE = 60;

export interface RandomizedPng {
  png: Buffer;
  width: number;
  height: number;
  blocksShuffled: number;
}

/** The input is no PNG the decoder can turn into pixels (or more pixels than allowed): retrying cannot help. */
export class UnreadablePng extends Error {
  override name = 'UnreadablePng';
}

/**
 * The IHDR's size, read before decoding: the decoder allocates for it at once, so the pixel limit
 * must hold before it starts, whatever the bytes' history (the upload checks it too).
 */
function declaredPixels(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * Decodes a PNG, shuffles its complete 60×60 blocks, encodes it again (RGBA, 8 bits). Whatever
 * stops it is an UnreadablePng: the work depends on nothing but the bytes.
 */
export function randomizePng(bytes: Buffer, options: { maxPixels: number; random?: () => number }): RandomizedPng {
  const random = options.random ?? (() => randomInt(0, 2 ** 32) / 2 ** 32);
  const size = declaredPixels(bytes);
  if (size && size.width * size.height > options.maxPixels) {
    throw new UnreadablePng(`image has ${size.width}×${size.height} pixels, more than the limit of ${options.maxPixels}`);
  }
  try {
    const decoded = PNG.sync.read(bytes);
    const { image, blocksShuffled } = shuffleBlocks({ width: decoded.width, height: decoded.height, data: decoded.data }, BLOCK_SIZE, random);
    const png = new PNG({ width: image.width, height: image.height });
    png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    return { png: PNG.sync.write(png), width: image.width, height: image.height, blocksShuffled };
  } catch (error) {
    throw new UnreadablePng(error instanceof Error ? error.message : String(error));
  }
}
