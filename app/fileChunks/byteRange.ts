/** A half-open byte range `[start, end)` of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Cuts a file into consecutive ranges of `chunkBytes` (the last one shorter). Ranges are cut
 * blindly, without looking at the bytes: a token crossing a cut belongs to the range it starts in
 * (see `readOwnedTokens`), so no reader needs to agree with another on where tokens are.
 * An empty file gives one empty range, so every job has at least one chunk to reduce.
 */
export function planChunks(fileSize: number, chunkBytes: number): ByteRange[] {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw new RangeError(`bad file size: ${fileSize}`);
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`bad chunk size: ${chunkBytes}`);
  if (fileSize === 0) return [{ start: 0, end: 0 }];
  const ranges: ByteRange[] = [];
  for (let start = 0; start < fileSize; start += chunkBytes) {
    ranges.push({ start, end: Math.min(fileSize, start + chunkBytes) });
  }
  return ranges;
}

/** `planChunks` for `parts` roughly equal ranges (one per thread or worker). */
export function splitEvenly(fileSize: number, parts: number): ByteRange[] {
  if (Number.isNaN(parts)) throw new RangeError('bad number of parts: NaN');
  const wanted = Math.max(1, Math.floor(parts));
  return planChunks(fileSize, Math.max(1, Math.ceil(fileSize / wanted)));
}
