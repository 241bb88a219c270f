import { PNG } from 'pngjs';

/** Whether pngjs, the worker's decoder, turns the bytes into pixels. */
export function pngjsReads(png: Buffer): boolean {
  try {
    PNG.sync.read(png);
    return true;
  } catch {
    return false;
  }
}
