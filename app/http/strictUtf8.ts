/**
 * Text taken from a request is decoded strictly: bytes that are not UTF-8 are refused, not
 * replaced. A decoder that replaces them (`Request.text()`, `Buffer.toString`) turns `\xff\xfe`
 * into two U+FFFD, and the app would store, count or hash another text than the one sent, and
 * answer 201 as if it were the same.
 */
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
/** The same, for text in which a leading byte-order mark is a character like any other (a form's names and values). */
const strictDecoderKeepingBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type StrictText = { ok: true; text: string } | { ok: false; at: number };

/**
 * `bytes` as UTF-8 text, or where they stop being UTF-8 (`at`: the offset of the first byte of
 * the first ill-formed sequence, counted from 0). A leading byte-order mark is dropped, as
 * `Request.text()` drops it, unless `keepBom`.
 */
export function decodeUtf8Strictly(bytes: Uint8Array, keepBom = false): StrictText {
  try {
    return { ok: true, text: (keepBom ? strictDecoderKeepingBom : strictDecoder).decode(bytes) };
  } catch {
    return { ok: false, at: Math.max(0, firstInvalidUtf8Byte(bytes)) };
  }
}

/** The message a body that is not UTF-8 is refused with (a 400). */
export const notUtf8 = (at: number): string => `request body is not valid UTF-8 (at byte ${at})`;

/**
 * The offset of the first byte of the first ill-formed UTF-8 sequence in `bytes` from `from` (a
 * character boundary), or -1 where there is none. Well-formed is the Unicode standard's table
 * (Table 3-7), the one TextDecoder applies: no overlong forms, no surrogates (ED A0..BF), nothing
 * past U+10FFFF, no sequence cut short (at the end of the bytes included).
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array, from = 0): number {
  let at = from;
  while (at < bytes.length) {
    const lead = bytes[at] as number;
    if (lead < 0x80) {
      at += 1;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 0 || at + length > bytes.length) return at;
    const [low, high] = secondByteRange(lead);
    const second = bytes[at + 1] as number;
    if (second < low || second > high) return at;
    for (let next = 2; next < length; next++) {
      const byte = bytes[at + next] as number;
      if (byte < 0x80 || byte > 0xbf) return at;
    }
    at += length;
  }
  return -1;
}

/** How many bytes a sequence with this lead byte has; 0 for a byte no sequence begins with. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The bytes the second byte of a sequence may be, by its lead: narrower than 80..BF where the lead alone would allow an overlong form, a surrogate or a code point past U+10FFFF. */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}
