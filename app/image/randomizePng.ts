import { randomInt } from 'node:crypto';
import { PNG } from 'pngjs';
import { shuffleBlocks } from './blockShuffle.js';

export const BLOCK_SIZE = 60;

/** Decodes a PNG, shuffles its complete 60×60 blocks, encodes it again (RGBA, 8 bits). */
export function randomizePng(bytes: Buffer, random: () => number = () => randomInt(0, 2 ** 32) / 2 ** 32) {
  const decoded = PNG.sync.read(bytes);
  const { image, blocksShuffled } = shuffleBlocks({ width: decoded.width, height: decoded.height, data: decoded.data }, BLOCK_SIZE, random);
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { png: PNG.sync.write(png), width: image.width, height: image.height, blocksShuffled };
}
