/** PNGs whose every pixel encodes its own coordinates, so that moved blocks can be traced. */
import { PNG } from 'pngjs';

/** RGBA: red = x & 255, green = y & 255, blue = (x >> 8) × 16 + (y >> 8); up to 4096 × 4096. */
export function coordinatePng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = x & 0xff;
      png.data[i + 1] = y & 0xff;
      png.data[i + 2] = (x >> 8) * 16 + (y >> 8);
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** Where the pixel now at (x, y) of a decoded coordinate image was at first. */
export function pixelOrigin(image: { width: number; data: Uint8Array }, x: number, y: number): { x: number; y: number } {
  const i = (y * image.width + x) * 4;
  const high = image.data[i + 2] as number;
  return { x: (image.data[i] as number) + (high >> 4) * 256, y: (image.data[i + 1] as number) + (high & 15) * 256 };
}

/**
 * Checks that a decoded coordinate image is its original with the complete `block`×`block`
 * blocks moved whole and the partial edge blocks where they were: the sources of the blocks, in
 * order of where they landed (each source exactly once is the caller's to check).
 */
export function blockSources(image: { width: number; height: number; data: Uint8Array }, block: number): Array<{ x: number; y: number }> {
  const columns = Math.floor(image.width / block);
  const rows = Math.floor(image.height / block);
  const wrong = (what: string) => new Error(`not a block shuffle: ${what}`);
  for (let y = 0; y < image.height; y++) {
    for (let x = y < rows * block ? columns * block : 0; x < image.width; x++) {
      const origin = pixelOrigin(image, x, y);
      if (origin.x !== x || origin.y !== y) throw wrong(`the edge pixel (${x}, ${y}) came from (${origin.x}, ${origin.y})`);
    }
  }
  const sources: Array<{ x: number; y: number }> = [];
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < columns; bx++) {
      const source = pixelOrigin(image, bx * block, by * block);
      if (source.x % block || source.y % block) throw wrong(`block (${bx}, ${by}) starts with pixel (${source.x}, ${source.y})`);
      for (let dy = 0; dy < block; dy++) {
        for (let dx = 0; dx < block; dx++) {
          const origin = pixelOrigin(image, bx * block + dx, by * block + dy);
          if (origin.x !== source.x + dx || origin.y !== source.y + dy) throw wrong(`block (${bx}, ${by}) is not whole at (${dx}, ${dy})`);
        }
      }
      sources.push(source);
    }
  }
  return sources;
}
