import type { ByteRange } from '../fileChunks/byteRange.js';

export type EvenSumResult =
  | { ok: true; sum: string; evenCount: number; bytes: number }
  | { ok: false; error: string; offset: number; line: number };

/** What one range contributes; plain JSON, so it can travel through Redis between workers. */
export interface EvenSumPartial {
  range: ByteRange;
  sum: string;
  evenCount: number;
  /** Newline bytes inside `range`, so later ranges can turn their line numbers into global ones. */
  newlines: number;
  /** The range's first bad token; `token` is quoted and escaped already (`quotedBytes`), as the message shows it. */
  firstError?: { offset: number; lineInRange: number; token: string };
}

/**
 * Reduces the partials of ranges that tile a file into the file's result. Pure. The first bad
 * token of the file is the first bad token of the earliest range that has one; its line number is
 * 1 + the newlines of all ranges before it + its line within its range.
 */
export function combineEvenSumPartials(partials: EvenSumPartial[]): EvenSumResult {
  // Ties on `start` go to the shorter range: an empty range [s, s) must come before [s, e), else
  // a valid tiling would be refused or accepted depending on the order the partials arrived in.
  const ordered = [...partials].sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
  let expectedStart = 0;
  let newlinesBefore = 0;
  let sum = 0n;
  let evenCount = 0;
  for (const partial of ordered) {
    if (partial.range.start !== expectedStart) {
      throw new Error(`partials do not tile the file: expected a range at ${expectedStart}, got ${partial.range.start}`);
    }
    expectedStart = partial.range.end;
    if (partial.firstError) {
      const { offset, lineInRange, token } = partial.firstError;
      const line = 1 + newlinesBefore + lineInRange;
      return { ok: false, error: `not an integer: ${token} at byte ${offset}, line ${line}`, offset, line };
    }
    newlinesBefore += partial.newlines;
    sum += BigInt(partial.sum);
    evenCount += partial.evenCount;
  }
  return { ok: true, sum: sum.toString(), evenCount, bytes: expectedStart };
}
