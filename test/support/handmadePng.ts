/**
 * PNGs built byte by byte, for what pngjs cannot write (palette, 1-bit, Adam7-interlaced) and for
 * corrupt image data behind valid chunks and CRCs. Independent of app/image on purpose.
 */
import { crc32, deflateSync } from 'node:zlib';

export interface HandmadeHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced?: boolean;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function pngChunk(type: string, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** The scanlines' widths in pixels, in storage order, counting pixels pass by pass (no formula). */
export function scanlineWidths({ width, height, interlaced }: HandmadeHeader): number[] {
  if (!interlaced) return Array.from({ length: height }, () => width);
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  const widths: number[] = [];
  for (const [x0, y0, dx, dy] of passes as Array<[number, number, number, number]>) {
    let columns = 0;
    for (let x = x0; x < width; x += dx) columns++;
    if (columns === 0) continue;
    for (let y = y0; y < height; y += dy) widths.push(columns);
  }
  return widths;
}

/** Unfiltered scanlines (filter byte 0, then bytes 0, 1, 2, …), or `filter(row)` as each row's filter byte. */
export function rawScanlines(header: HandmadeHeader, filter: (row: number) => number = () => 0): Buffer {
  const bits = (CHANNELS[header.colourType] ?? 0) * header.bitDepth;
  return Buffer.concat(
    scanlineWidths(header).map((columns, row) => {
      const line = Buffer.alloc(1 + Math.ceil((columns * bits) / 8));
      line[0] = filter(row);
      for (let i = 1; i < line.length; i++) line[i] = (i * 37 + row) & 0xff;
      return line;
    }),
  );
}

/** A PNG with this header and exactly these IDAT bytes (split over IDAT chunks of at most `idatSize`). */
export function assemblePng(header: HandmadeHeader, idat: Uint8Array, options: { idatSize?: number; afterIend?: Uint8Array } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr.set([header.bitDepth, header.colourType, 0, 0, header.interlaced ? 1 : 0], 8);
  const chunks = [SIGNATURE, pngChunk('IHDR', ihdr)];
  if (header.colourType === 3) {
    // A full palette, so that every index the scanlines hold is in it.
    const entries = 2 ** header.bitDepth;
    chunks.push(pngChunk('PLTE', Buffer.from(Array.from({ length: entries * 3 }, (_, i) => (i * 53) & 0xff))));
  }
  const size = options.idatSize ?? 8192;
  for (let start = 0; start < idat.length || start === 0; start += size) chunks.push(pngChunk('IDAT', idat.subarray(start, start + size)));
  chunks.push(pngChunk('IEND'));
  if (options.afterIend) chunks.push(Buffer.from(options.afterIend));
  return Buffer.concat(chunks);
}

/** A valid PNG of any colour type, bit depth and interlacing. */
export const handmadePng = (header: HandmadeHeader): Buffer => assemblePng(header, deflateSync(rawScanlines(header)));

/** The four kinds of corrupt image data behind valid chunks (the audit's cases), from a valid header. */
export function corruptPngs(header: HandmadeHeader): Record<'notZlib' | 'tooShort' | 'truncatedZlib' | 'tooLong' | 'badFilter' | 'afterIend', Buffer> {
  const raw = rawScanlines(header);
  const whole = deflateSync(raw);
  return {
    notZlib: assemblePng(header, Buffer.from('these bytes are not a zlib stream at all, just text')),
    tooShort: assemblePng(header, deflateSync(raw.subarray(0, raw.length - 7))),
    truncatedZlib: assemblePng(header, whole.subarray(0, Math.floor(whole.length / 2))),
    tooLong: assemblePng(header, deflateSync(Buffer.concat([raw, Buffer.alloc(5)]))),
    badFilter: assemblePng(header, deflateSync(rawScanlines(header, (row) => (row === 2 ? 16 : row % 5)))),
    afterIend: handmadePngWithTrailer(header, Buffer.from('trailing bytes')),
  };
}

const handmadePngWithTrailer = (header: HandmadeHeader, trailer: Uint8Array) => assemblePng(header, deflateSync(rawScanlines(header)), { afterIend: trailer });
