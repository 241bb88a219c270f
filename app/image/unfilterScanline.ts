/**
 * Undoes one scanline's PNG filter (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth), in place.
 * `above` is the previous scanline of the same pass, already unfiltered, or null for a pass's
 * first (where the specification counts it as zeros). `bytesPerPixel` is at least 1: pixels
 * narrower than a byte are filtered byte by byte. The caller has checked that the filter is 0–4.
 */
export function unfilterScanline(filter: number, row: Uint8Array, above: Uint8Array | null, bytesPerPixel: number): void {
  const length = row.length;
  switch (filter) {
    case 1:
      for (let i = bytesPerPixel; i < length; i++) row[i] = ((row[i] as number) + (row[i - bytesPerPixel] as number)) & 0xff;
      return;
    case 2:
      if (above) for (let i = 0; i < length; i++) row[i] = ((row[i] as number) + (above[i] as number)) & 0xff;
      return;
    case 3:
      for (let i = 0; i < length; i++) {
        const left = i >= bytesPerPixel ? (row[i - bytesPerPixel] as number) : 0;
        const up = above ? (above[i] as number) : 0;
        row[i] = ((row[i] as number) + ((left + up) >> 1)) & 0xff;
      }
      return;
    case 4:
      for (let i = 0; i < length; i++) {
        const left = i >= bytesPerPixel ? (row[i - bytesPerPixel] as number) : 0;
        const up = above ? (above[i] as number) : 0;
        const upLeft = above && i >= bytesPerPixel ? (above[i - bytesPerPixel] as number) : 0;
        row[i] = ((row[i] as number) + paethPredictor(left, up, upLeft)) & 0xff;
      }
      return;
    default:
  }
}

/** The neighbour (left, up or up-left) closest to left + up − up-left, ties in that order (PNG spec 9.4). */
export function paethPredictor(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}
