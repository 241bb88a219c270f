import { unfilterScanline } from './unfilterScanline.js';

/** Checks a palette image's pixels against its PLTE, one scanline at a time. */
export interface PaletteIndexCheck {
  /**
   * Takes the next scanline (its filter byte first, already checked to be 0–4) of `columns`
   * pixels; `firstOfPass` when no scanline of the same pass comes before it. Returns what is
   * wrong with it ("palette index 9 at its pixel 4, …"), or null.
   */
  scanline(filtered: Uint8Array, columns: number, firstOfPass: boolean): string | null;
}

/**
 * The pixels of a palette image are indices into its PLTE, and the filters hide them: each
 * scanline has to be unfiltered against the one above it before its indices can be read. Two
 * scanlines are kept (this one and the one above), never the image. Null when there is nothing
 * to check: with as many entries as the bit depth can name, every index is in the palette.
 */
export function paletteIndexCheck(bitDepth: number, paletteEntries: number, longestScanline: number): PaletteIndexCheck | null {
  if (paletteEntries >= 2 ** bitDepth) return null;
  let current = new Uint8Array(longestScanline);
  let above = new Uint8Array(longestScanline);
  const mask = (1 << bitDepth) - 1;
  return {
    scanline(filtered, columns, firstOfPass) {
      const row = current.subarray(0, filtered.length - 1);
      row.set(filtered.subarray(1));
      unfilterScanline(filtered[0] as number, row, firstOfPass ? null : above.subarray(0, row.length), 1);
      // Indices narrower than a byte are packed from the high bits down; the last byte's spare bits are padding.
      for (let x = 0; x < columns; x++) {
        const bit = x * bitDepth;
        const index = ((row[bit >> 3] as number) >> (8 - bitDepth - (bit & 7))) & mask;
        if (index >= paletteEntries) {
          return `palette index ${index} at its pixel ${x + 1}, past the ${paletteEntries} entries of the PLTE chunk (0–${paletteEntries - 1})`;
        }
      }
      [current, above] = [above, current];
      return null;
    },
  };
}
