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

/** Each scanline's pass (0 when not interlaced) and pixels as [x, y] in the image, in storage order. */
export function scanlineCoordinates({ width, height, interlaced }: HandmadeHeader): Array<{ pass: number; pixels: Array<[number, number]> }> {
  const passes = interlaced ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] : [[0, 0, 1, 1]];
  const scanlines: Array<{ pass: number; pixels: Array<[number, number]> }> = [];
  passes.forEach(([x0, y0, dx, dy], index) => {
    for (let y = y0 as number; y < height; y += dy as number) {
      const pixels: Array<[number, number]> = [];
      for (let x = x0 as number; x < width; x += dx as number) pixels.push([x, y]);
      if (pixels.length) scanlines.push({ pass: interlaced ? index + 1 : 0, pixels });
    }
  });
  return scanlines;
}

/**
 * PNG filtering as the specification writes it (9.2–9.4), the encoder's direction: each byte
 * minus its predictor from the raw bytes to the left, above and above-left (zeros outside).
 */
export function filterScanline(filter: number, raw: Uint8Array, above: Uint8Array | null, bytesPerPixel: number): Buffer {
  const out = Buffer.alloc(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const a = i >= bytesPerPixel ? (raw[i - bytesPerPixel] as number) : 0;
    const b = above ? (above[i] as number) : 0;
    const c = above && i >= bytesPerPixel ? (above[i - bytesPerPixel] as number) : 0;
    const p = a + b - c;
    const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
    const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    const predictor = [0, a, b, Math.floor((a + b) / 2), paeth][filter] ?? 0;
    out[i] = ((raw[i] as number) - predictor) & 0xff;
  }
  return out;
}

/**
 * The image data of a one-channel image (grayscale or palette): `sample(x, y)` is each pixel's
 * value (a palette index, for colour type 3), packed at the header's bit depth, each scanline
 * filtered with `filter(scanline)` (0–4).
 */
export function sampledScanlines(header: HandmadeHeader, sample: (x: number, y: number) => number, filter: (scanline: number) => number = () => 0): Buffer {
  if (CHANNELS[header.colourType] !== 1) throw new Error('sampledScanlines makes one-channel images only');
  const bytesPerPixel = Math.max(1, header.bitDepth / 8);
  const lines: Buffer[] = [];
  let above: Buffer | null = null;
  scanlineCoordinates(header).forEach(({ pass, pixels }, scanline, all) => {
    if (all[scanline - 1]?.pass !== pass) above = null; // each pass starts with nothing above
    const raw = Buffer.alloc(Math.ceil((pixels.length * header.bitDepth) / 8));
    pixels.forEach(([x, y], i) => {
      const value = sample(x, y);
      if (header.bitDepth === 16) raw.writeUInt16BE(value, i * 2);
      else {
        const bit = i * header.bitDepth;
        raw[bit >> 3] = (raw[bit >> 3] as number) | (value << (8 - header.bitDepth - (bit & 7)));
      }
    });
    const type = filter(scanline);
    lines.push(Buffer.from([type]), filterScanline(type, raw, above, bytesPerPixel));
    above = raw;
  });
  return Buffer.concat(lines);
}

/** A PNG with this header and exactly these IDAT bytes (split over IDAT chunks of at most `idatSize`). */
export function assemblePng(
  header: HandmadeHeader,
  idat: Uint8Array,
  options: { idatSize?: number; afterIend?: Uint8Array; paletteEntries?: number } = {},
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr.set([header.bitDepth, header.colourType, 0, 0, header.interlaced ? 1 : 0], 8);
  const chunks = [SIGNATURE, pngChunk('IHDR', ihdr)];
  if (header.colourType === 3) {
    // A full palette unless told otherwise, so that every index the scanlines hold is in it.
    const entries = options.paletteEntries ?? 2 ** header.bitDepth;
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

/** The kinds of corrupt image data behind valid chunks (the audit's cases), from a valid header. */
export function corruptPngs(header: HandmadeHeader): Record<'notZlib' | 'tooShort' | 'truncatedZlib' | 'tooLong' | 'badFilter' | 'afterZlibStream' | 'afterIend', Buffer> {
  const raw = rawScanlines(header);
  const whole = deflateSync(raw);
  return {
    notZlib: assemblePng(header, Buffer.from('these bytes are not a zlib stream at all, just text')),
    tooShort: assemblePng(header, deflateSync(raw.subarray(0, raw.length - 7))),
    truncatedZlib: assemblePng(header, whole.subarray(0, Math.floor(whole.length / 2))),
    tooLong: assemblePng(header, deflateSync(Buffer.concat([raw, Buffer.alloc(5)]))),
    badFilter: assemblePng(header, deflateSync(rawScanlines(header, (row) => (row === 2 ? 16 : row % 5)))),
    afterZlibStream: assemblePng(header, Buffer.concat([whole, Buffer.from('extra')])),
    afterIend: handmadePngWithTrailer(header, Buffer.from('trailing bytes')),
  };
}

const handmadePngWithTrailer = (header: HandmadeHeader, trailer: Uint8Array) => assemblePng(header, deflateSync(rawScanlines(header)), { afterIend: trailer });
