import { ASCII_WHITESPACE, separatorTable } from '../fileChunks/separators.js';
import { quotedBytes } from '../fileChunks/quotedBytes.js';

/** Even-sum tokens are separated by ASCII whitespace and/or commas. */
export const EVEN_SUM_SEPARATORS = separatorTable([...ASCII_WHITESPACE, 0x2c]);

/** The first token that is not an integer: where it starts and what it looks like. */
export interface BadToken {
  /** Absolute byte offset of the token's first byte. */
  offset: number;
  /** Newlines seen in this scanner's input before the token. */
  newlinesBefore: number;
  /**
   * The token as a message shows it: quoted, what cannot be seen escaped and bytes that are not
   * UTF-8 as `\xff` (`quotedBytes`), cut after `MAX_TOKEN_ECHO` bytes with `…`.
   */
  token: string;
}

const MAX_TOKEN_ECHO = 64;
/** Digits per limb: a limb is below 10^9, so limb sums in Numbers stay exact for millions of adds. */
const LIMB_DIGITS = 9;
const FOLD_EVERY = 1 << 22;
const LIMB = 1_000_000_000n;

/**
 * Exact sum of the even integers in a sequence of token-aligned slices. The hot loop first finds
 * a token's end (a cheap byte test per digit), reads its parity from the last digit, and only
 * parses even numbers: 9-digit limbs from the right, two digits per step in int32, each limb added
 * into its own Number accumulator (`limb0` = units to 10^9, `limb1` = 10^9 to 10^18, `limb2` up
 * to 10^27). Accumulators fold into one BigInt every few million numbers, long before a Number
 * could lose a unit. Longer numbers (rare) go through BigInt directly. No floating-point
 * rounding can happen anywhere.
 */
export class EvenSumScanner {
  private total = 0n;
  private limb0 = 0;
  private limb1 = 0;
  private limb2 = 0;
  private pending = 0;
  evenCount = 0;
  newlines = 0;
  bad: BadToken | undefined;

  /**
   * Scans `bytes[from, to)`, which must hold whole tokens (see `readOwnedTokens`); `offset` is the
   * file offset of `bytes[from]`. Returns false once a bad token has been found (then stop feeding).
   */
  scan(bytes: Uint8Array, from: number, to: number, offset: number): boolean {
    if (this.bad) return false;
    const sep = EVEN_SUM_SEPARATORS;
    let limb0 = this.limb0;
    let limb1 = this.limb1;
    let limb2 = this.limb2;
    let pending = this.pending;
    let evenCount = this.evenCount;
    let newlines = this.newlines;
    let i = from;
    while (i < to) {
      let c = bytes[i]!;
      const start = i;
      let negative = false;
      if (c < 48) {
        // Every separator and both signs sort below '0': one compare keeps digits on the fast path.
        if (sep[c] === 1) {
          if (c === 10) newlines++;
          i++;
          continue;
        }
        if (c === 45) negative = true;
        else if (c !== 43) {
          this.fail(bytes, start, to, offset + (start - from), newlines);
          break;
        }
        i++;
      }
      const first = i;
      while (i < to && (c = bytes[i]!) >= 48 && c <= 57) i++;
      const digits = i - first;
      if (digits === 0 || (i < to && sep[bytes[i]!] === 0)) {
        this.fail(bytes, start, to, offset + (start - from), newlines);
        break;
      }
      if ((bytes[i - 1]! & 1) !== 0) continue;
      evenCount++;
      if (digits <= LIMB_DIGITS) {
        const v = digitsValue(bytes, first, i);
        limb0 += negative ? -v : v;
      } else if (digits <= 2 * LIMB_DIGITS) {
        const v0 = digitsValue(bytes, i - LIMB_DIGITS, i);
        const v1 = digitsValue(bytes, first, i - LIMB_DIGITS);
        if (negative) {
          limb0 -= v0;
          limb1 -= v1;
        } else {
          limb0 += v0;
          limb1 += v1;
        }
      } else if (digits <= 3 * LIMB_DIGITS) {
        const v0 = digitsValue(bytes, i - LIMB_DIGITS, i);
        const v1 = digitsValue(bytes, i - 2 * LIMB_DIGITS, i - LIMB_DIGITS);
        const v2 = digitsValue(bytes, first, i - 2 * LIMB_DIGITS);
        if (negative) {
          limb0 -= v0;
          limb1 -= v1;
          limb2 -= v2;
        } else {
          limb0 += v0;
          limb1 += v1;
          limb2 += v2;
        }
      } else {
        this.total += BigInt(Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString('latin1'));
      }
      if (++pending === FOLD_EVERY) {
        this.total += foldLimbs(limb0, limb1, limb2);
        limb0 = limb1 = limb2 = 0;
        pending = 0;
      }
    }
    this.limb0 = limb0;
    this.limb1 = limb1;
    this.limb2 = limb2;
    this.pending = pending;
    this.evenCount = evenCount;
    this.newlines = newlines;
    return this.bad === undefined;
  }

  /** The exact sum so far, as a BigInt. */
  sum(): bigint {
    this.total += foldLimbs(this.limb0, this.limb1, this.limb2);
    this.limb0 = this.limb1 = this.limb2 = 0;
    this.pending = 0;
    return this.total;
  }

  private fail(bytes: Uint8Array, start: number, to: number, offset: number, newlinesBefore: number): void {
    let end = start;
    while (end < to && EVEN_SUM_SEPARATORS[bytes[end]!] === 0) end++;
    // The echo's bytes and the rest of a character its cut falls in (3 bytes at most).
    const echoed = bytes.subarray(start, Math.min(end, start + MAX_TOKEN_ECHO + 3));
    this.bad = { offset, newlinesBefore, token: quotedBytes(echoed, MAX_TOKEN_ECHO) };
  }
}

/** The value of at most 9 ASCII digits `bytes[start, end)`, two digits per step, in int32. */
function digitsValue(bytes: Uint8Array, start: number, end: number): number {
  let k = start;
  let v = 0;
  if (((end - start) & 1) === 1) v = bytes[k++]! - 48;
  while (k < end) {
    v = v * 100 + (bytes[k]! * 10 + bytes[k + 1]! - 528);
    k += 2;
  }
  return v;
}

function foldLimbs(limb0: number, limb1: number, limb2: number): bigint {
  let sum = BigInt(limb0);
  if (limb1 !== 0) sum += BigInt(limb1) * LIMB;
  if (limb2 !== 0) sum += BigInt(limb2) * LIMB * LIMB;
  return sum;
}
