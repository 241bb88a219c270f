import type { FileHandle } from 'node:fs/promises';
import type { ByteRange } from './byteRange.js';
import { throwIfAborted } from './abort.js';

/**
 * A piece of the file that holds whole tokens only: no token starts before `from` and continues
 * into it, and none is cut at `to`. `bytes` is reused by the next iteration, so a consumer must be
 * done with it (or copy what it keeps) before asking for the next slice.
 */
export interface TokenSlice {
  bytes: Buffer;
  from: number;
  to: number;
  /** File offset of `bytes[from]`. */
  offset: number;
}

export interface ReadOwnedTokensOptions {
  /** Size of the one read buffer (default 1 MiB). */
  bufferBytes?: number;
  /** A token longer than this is refused rather than grown into unbounded memory (default 64 MiB). */
  maxTokenBytes?: number;
  signal?: AbortSignal;
}

export class TokenTooLongError extends Error {
  override name = 'TokenTooLongError';
  constructor(
    readonly offset: number,
    readonly limit: number,
  ) {
    super(`a token starting at byte ${offset} is longer than ${limit} bytes`);
  }
}

export const DEFAULT_READ_BUFFER_BYTES = 1 << 20;
export const DEFAULT_MAX_TOKEN_BYTES = 64 << 20;

/**
 * Streams the tokens a range owns, through one bounded buffer. Ownership rule: a range owns every
 * token that STARTS inside it. So the reader first skips the rest of a token that began before
 * `range.start`, and at the end reads past `range.end` until the last owned token is finished.
 * Separator bytes inside the range are passed through (a consumer may count newlines in them);
 * separators past `range.end` are not, so per-range newline counts add up to the file's.
 */
export async function* readOwnedTokens(
  file: FileHandle,
  range: ByteRange,
  isSeparator: Uint8Array,
  options: ReadOwnedTokensOptions = {},
): AsyncGenerator<TokenSlice> {
  const { start, end } = range;
  if (end <= start) return;
  const bufferBytes = Math.max(16, options.bufferBytes ?? DEFAULT_READ_BUFFER_BYTES);
  const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
  const { signal } = options;
  let buf = Buffer.allocUnsafe(bufferBytes);

  /**
   * Room for a token longer than the buffer, which is full (`used` bytes): the token starts at
   * `buf[tokenStart]`, file offset `offset + tokenStart`. The buffer grows to at most the longest
   * token and the byte after it, so that a token of `maxTokenBytes` is read and one byte more is
   * refused, wherever the buffer's doublings fall (before, the limit was a buffer more than said).
   */
  const grow = (tokenStart: number, used: number, offset: number): void => {
    if (used - tokenStart > maxTokenBytes) throw new TokenTooLongError(offset + tokenStart, maxTokenBytes);
    const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, tokenStart + maxTokenBytes + 1));
    buf.copy(bigger, 0, 0, used);
    buf = bigger;
  };

  let pos = start;
  if (start > 0) {
    const { bytesRead } = await file.read(buf, 0, 1, start - 1);
    if (bytesRead === 1 && isSeparator[buf[0]!] === 0) {
      // The token under `start` belongs to the previous range: skip to the first separator.
      let found = false;
      while (pos < end) {
        throwIfAborted(signal);
        const got = (await file.read(buf, 0, Math.min(buf.length, end - pos), pos)).bytesRead;
        if (got === 0) return;
        let k = 0;
        while (k < got && isSeparator[buf[k]!] === 0) k++;
        pos += k;
        if (k < got) {
          found = true;
          break;
        }
      }
      if (!found) return;
    }
  }

  // Phase A: read up to `end`, handing over everything up to the last separator of each buffer.
  let base = pos;
  let carry = 0;
  while (base + carry < end) {
    throwIfAborted(signal);
    // A full buffer holds one token from its first byte: the buffer starts after a separator.
    if (carry === buf.length) grow(0, carry, base);
    const want = Math.min(buf.length - carry, end - (base + carry));
    const got = (await file.read(buf, carry, want, base + carry)).bytesRead;
    if (got === 0) {
      // The file is shorter than the range: what is left is a whole last token.
      if (carry > 0) yield { bytes: buf, from: 0, to: carry, offset: base };
      return;
    }
    const total = carry + got;
    if (base + total >= end) {
      carry = total;
      break;
    }
    let cut = total;
    while (cut > 0 && isSeparator[buf[cut - 1]!] === 0) cut--;
    if (cut === 0) {
      carry = total; // one token fills the buffer: grow on the next turn
      continue;
    }
    yield { bytes: buf, from: 0, to: cut, offset: base };
    buf.copyWithin(0, cut, total);
    carry = total - cut;
    base += cut;
  }
  if (carry === 0) return;

  // Phase B: buf[0, carry) ends exactly at `end`; its last token may run on past it.
  let to = carry;
  if (isSeparator[buf[carry - 1]!] === 0) {
    let tokenStart = carry;
    while (tokenStart > 0 && isSeparator[buf[tokenStart - 1]!] === 0) tokenStart--;
    for (;;) {
      throwIfAborted(signal);
      if (to === buf.length) grow(tokenStart, to, base);
      const got = (await file.read(buf, to, Math.min(buf.length - to, 64 * 1024), base + to)).bytesRead;
      if (got === 0) break;
      const limit = to + got;
      while (to < limit && isSeparator[buf[to]!] === 0) to++;
      if (to < limit) break;
    }
  }
  yield { bytes: buf, from: 0, to, offset: base };
}
