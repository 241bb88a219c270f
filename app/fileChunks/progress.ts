/**
 * Rate-limits progress callbacks: a 10 GB file read in 1 MB pieces would otherwise call back ten
 * thousand times, and the caller typically writes each call to Redis. The final call (done = total)
 * always goes through.
 */
export function throttledProgress(
  onProgress: ((bytesDone: number, bytesTotal: number) => void) | undefined,
  bytesTotal: number,
  minIntervalMs = 200,
): (bytesDone: number) => void {
  if (!onProgress) return () => {};
  let last = 0;
  let lastDone = -1;
  return (bytesDone) => {
    const now = Date.now();
    if (bytesDone === lastDone) return;
    if (bytesDone >= bytesTotal || now - last >= minIntervalMs) {
      last = now;
      lastDone = bytesDone;
      onProgress(Math.min(bytesDone, bytesTotal), bytesTotal);
    }
  };
}
