/** An RGBA image, 4 bytes per pixel, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Cuts the image in blockSize×blockSize blocks and shuffles the complete ones (Fisher–Yates
 * with the given random source). Partial blocks on the right and bottom edges stay where they
 * are: moving them would change the image's size or leave holes.
 */
export function shuffleBlocks(image: RgbaImage, blockSize: number, random: () => number): { image: RgbaImage; blocksShuffled: number } {
  const columns = Math.floor(image.width / blockSize);
  const rows = Math.floor(image.height / blockSize);
  const count = columns * rows;
  const order = Array.from({ length: count }, (_, index) => index);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const out = new Uint8Array(image.data);
  const rowBytes = blockSize * 4;
  const stride = image.width * 4;
  for (let target = 0; target < count; target++) {
    const source = order[target] as number;
    const sx = (source % columns) * rowBytes;
    const sy = Math.floor(source / columns) * blockSize;
    const tx = (target % columns) * rowBytes;
    const ty = Math.floor(target / columns) * blockSize;
    for (let line = 0; line < blockSize; line++) {
      const from = (sy + line) * stride + sx;
      out.set(image.data.subarray(from, from + rowBytes), (ty + line) * stride + tx);
    }
  }
  return { image: { width: image.width, height: image.height, data: out }, blocksShuffled: count };
}
