import { open } from 'node:fs/promises';

/** A small, fast, seedable PRNG (xorshift32): generated files are the same on every run. */
function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

async function writeGenerated(path: string, bytes: number, fill: (buf: Buffer) => number): Promise<void> {
  const file = await open(path, 'w');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    let written = 0;
    while (written < bytes) {
      const used = fill(buf);
      const take = Math.min(used, bytes - written);
      await file.write(buf, 0, take);
      written += take;
    }
  } finally {
    await file.close();
  }
}

/**
 * About `bytes` of non-negative integers of 1 to `maxDigits` digits (no leading zeros), separated
 * by newlines, with a comma or a space now and then. Non-negative and below 2^64 so the C reference
 * (which ignores signs and sums in 128 bits) computes the same sum. The file ends with a newline.
 */
export async function generateNumbersFile(path: string, bytes: number, maxDigits = 18, seed = 42): Promise<void> {
  const next = xorshift32(seed);
  await writeGenerated(path, bytes, (buf) => {
    let i = 0;
    const stop = buf.length - (maxDigits + 2);
    // Random digits come nine at a time from one 32-bit draw: generating 1 GB takes seconds.
    let pool = 0;
    let left = 0;
    const digit = (): number => {
      if (left === 0) {
        pool = next() % 1_000_000_000;
        left = 9;
      }
      const d = pool % 10;
      pool = (pool - d) / 10;
      left--;
      return d;
    };
    while (i < stop) {
      const r = next();
      const digits = 1 + (r % maxDigits);
      buf[i++] = 49 + (digit() % 9);
      for (let k = 1; k < digits; k++) buf[i++] = 48 + digit();
      const s = (r >>> 24) & 31;
      buf[i++] = s === 0 ? 44 : s === 1 ? 32 : 10;
    }
    buf[i - 1] = 10;
    return i;
  });
}

/**
 * About `bytes` of words drawn from a vocabulary of `distinct` words (after lower-casing), skewed
 * so a few words are frequent and most are rare, separated by spaces and newlines. Words are
 * their id in base 36 (a-z, 0-9), some with a capital first letter (the same word once
 * lower-cased) and some ending in a UTF-8 letter.
 */
export async function generateWordsFile(path: string, bytes: number, distinct: number, seed = 7): Promise<void> {
  const next = xorshift32(seed);
  const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789');
  const utf8 = Buffer.from('é', 'utf8');
  const frequent = Math.max(1, Math.floor(distinct / 100));
  await writeGenerated(path, bytes, (buf) => {
    let i = 0;
    const stop = buf.length - 64;
    while (i < stop) {
      // Skew: half of the words come from the first 1% of the vocabulary.
      const r = next();
      const id = r & 1 ? (r >>> 1) % frequent : (r >>> 1) % distinct;
      const first = i;
      let n = id;
      do {
        buf[i++] = alphabet[n % 36]!;
        n = Math.floor(n / 36);
      } while (n > 0);
      if ((r & 0x70000000) === 0 && buf[first]! >= 97) buf[first] = buf[first]! - 32;
      if (id % 7 === 0) {
        buf[i++] = utf8[0]!;
        buf[i++] = utf8[1]!;
      }
      buf[i++] = (next() & 15) === 0 ? 10 : 32;
    }
    return i;
  });
}
