import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflate } from 'node:zlib';
import { coalescedPieces } from './coalescedPieces.js';
import { paletteIndexCheck } from './paletteIndexCheck.js';
import type { PngHeader } from './pngInspection.js';

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7: [first column, first row, column step, row step] of passes 1 to 7. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** One run of scanlines: the whole image, or one non-empty Adam7 pass (1 to 7; 0 when not interlaced). */
export interface ScanlinePass {
  pass: number;
  /** pixels per row */
  columns: number;
  rows: number;
  /** 1 filter byte + ceil(columns × bits per pixel / 8) */
  rowBytes: number;
}

/** The scanlines the header implies, in the order they are stored. Empty Adam7 passes have none. */
export function scanlineLayout(header: PngHeader): ScanlinePass[] {
  const bitsPerPixel = (CHANNELS[header.colourType] ?? 0) * header.bitDepth;
  const rowBytes = (columns: number) => 1 + Math.ceil((columns * bitsPerPixel) / 8);
  if (!header.interlaced) return [{ pass: 0, columns: header.width, rows: header.height, rowBytes: rowBytes(header.width) }];
  return ADAM7.map(([x0, y0, dx, dy], i) => ({
    pass: i + 1,
    columns: Math.max(0, Math.ceil((header.width - x0) / dx)),
    rows: Math.max(0, Math.ceil((header.height - y0) / dy)),
  }))
    .filter(({ columns, rows }) => columns > 0 && rows > 0)
    .map(({ pass, columns, rows }) => ({ pass, columns, rows, rowBytes: rowBytes(columns) }));
}

export const inflatedSize = (layout: readonly ScanlinePass[]): number => layout.reduce((sum, { rows, rowBytes }) => sum + rows * rowBytes, 0);

const describe = (h: PngHeader) => `${h.width}×${h.height}, colour type ${h.colourType}, bit depth ${h.bitDepth}${h.interlaced ? ', Adam7-interlaced' : ''}`;

/** Where the checker is: all it keeps between pieces (never the bytes). */
export interface ScanlinePosition {
  /** index into the layout */
  part: number;
  row: number;
  byteInRow: number;
  total: number;
}

export interface ScanlineChecker {
  /** Takes the next inflated bytes, in order, in pieces of any size: why they are wrong, or null. */
  push(inflated: Uint8Array): string | null;
  /** After the last piece: why the data is incomplete, or null. */
  end(): string | null;
  position(): ScanlinePosition;
}

const describeRow = (part: ScanlinePass, row: number) => (part.pass ? `row ${row + 1} of Adam7 pass ${part.pass}` : `row ${row + 1}`);

/**
 * Follows inflated PNG image data against the header's layout, one piece at a time, checking
 * each row's filter byte (0–4) and that the data is exactly as long as the header implies. For a
 * palette image whose PLTE is shorter than its bit depth could index, it also gathers each row
 * (one at a time) to check its pixels' indices, see paletteIndexCheck.
 */
export function scanlineChecker(header: PngHeader): ScanlineChecker {
  const layout = scanlineLayout(header);
  const expected = inflatedSize(layout);
  const longest = Math.max(0, ...layout.map((part) => part.rowBytes));
  const palette = header.colourType === 3 && header.paletteEntries !== undefined ? paletteIndexCheck(header.bitDepth, header.paletteEntries, longest) : null;
  const row = palette ? new Uint8Array(longest) : null;
  const at: ScanlinePosition = { part: 0, row: 0, byteInRow: 0, total: 0 };
  return {
    push(inflated) {
      let i = 0;
      while (i < inflated.length) {
        const current = layout[at.part];
        if (!current) return `corrupt PNG: the image data (IDAT) inflates to more than the ${expected} bytes the header implies (${describe(header)})`;
        if (at.byteInRow === 0) {
          const filter = inflated[i] as number;
          if (filter > 4) return `corrupt PNG: ${describeRow(current, at.row)} has filter type ${filter} (only 0–4 exist)`;
        }
        const take = Math.min(current.rowBytes - at.byteInRow, inflated.length - i);
        row?.set(inflated.subarray(i, i + take), at.byteInRow);
        i += take;
        at.byteInRow += take;
        at.total += take;
        if (at.byteInRow === current.rowBytes) {
          const wrong = palette && row ? palette.scanline(row.subarray(0, current.rowBytes), current.columns, at.row === 0) : null;
          if (wrong) return `corrupt PNG: ${describeRow(current, at.row)} has ${wrong}`;
          at.byteInRow = 0;
          if (++at.row === current.rows) {
            at.row = 0;
            at.part++;
          }
        }
      }
      return null;
    },
    end() {
      if (at.total === expected) return null;
      return `corrupt PNG: the image data (IDAT) inflates to ${at.total} bytes, fewer than the ${expected} the header implies (${describe(header)})`;
    },
    position: () => ({ ...at }),
  };
}

export type ImageDataCheck = { ok: true; inflatedBytes: number } | { ok: false; reason: string };

/** Smaller pieces of compressed data are gathered up to this before zlib sees them (its own chunk size). */
const INFLATE_PIECE_BYTES = 16 * 1024;

/**
 * Inflates the concatenated IDAT data as a stream and checks it with scanlineChecker: a zlib
 * error, too few or too many bytes, a row filter over 4, a palette index past the PLTE, or bytes
 * after the end of the zlib stream is a reason to refuse the image. The inflated bytes are looked
 * at as zlib hands them over (16 KiB pieces) and then dropped, so the memory held does not grow
 * with the image, and inflating stops at the first byte too many. The compressed data may come in
 * pieces of any size, one-byte IDAT chunks included: small ones are gathered before zlib sees
 * them (coalescedPieces), so its cost follows the bytes, not the pieces.
 */
export async function checkImageData(header: PngHeader, compressed: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<ImageDataCheck> {
  const checker = scanlineChecker(header);
  let refused: string | null = null;
  let fed = 0;
  async function* counted() {
    for await (const piece of coalescedPieces(compressed, INFLATE_PIECE_BYTES)) {
      fed += piece.length;
      yield piece;
    }
  }
  // zlib ends its output at the end of the zlib stream and ignores any input after it, which its
  // bytesWritten then leaves out. The loop below must not destroy the inflater when that output
  // ends (what iterating does by default): writes still queued would fail the pipeline or not,
  // depending on how the pieces happen to split.
  const inflate = createInflate();
  try {
    await pipeline(Readable.from(counted()), inflate, async () => {
      for await (const piece of inflate.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        refused = checker.push(piece);
        if (refused) throw new Error(refused); // stops the pipeline (which may report it as an AbortError)
      }
    });
  } catch (error) {
    if (refused) return { ok: false, reason: refused };
    const { code, message } = error as NodeJS.ErrnoException;
    if (typeof code === 'string' && code.startsWith('Z_')) return { ok: false, reason: `corrupt PNG: the image data (IDAT) does not inflate (zlib: ${message})` };
    throw error;
  }
  const reason = checker.end();
  if (reason) return { ok: false, reason };
  const trailing = fed - inflate.bytesWritten;
  if (trailing > 0) return { ok: false, reason: `corrupt PNG: the image data (IDAT) has ${trailing} bytes after the end of its zlib stream` };
  return { ok: true, inflatedBytes: checker.position().total };
}
