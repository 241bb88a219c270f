import { decodeUtf8Strictly, notUtf8 } from './strictUtf8.js';

export type UrlencodedForm = { ok: true; fields: [name: string, value: string][] } | { ok: false; reason: string };

const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const PLUS = 0x2b;
const PERCENT = 0x25;

/**
 * An `application/x-www-form-urlencoded` body's fields, parsed as the URL standard's urlencoded
 * parser parses it (what `URLSearchParams` and `Response.formData()` do): split on `&`, empty
 * pieces skipped, each split on its first `=`, `+` read as a space, `%XY` as the byte XY (a `%`
 * not followed by two hex digits kept as it is), and each name and value decoded as UTF-8, a
 * leading byte-order mark kept as a character.
 *
 * Except that the decoding is strict: the standard replaces bytes that are not UTF-8 with U+FFFD,
 * raw (`\xff`) or percent-encoded (`%FF`) alike, and `data=%FF` reached the route as `data=\uFFFD`,
 * another datum than the one sent. Here either is refused, saying at which byte of the body.
 */
export function parseUrlencodedForm(body: Uint8Array): UrlencodedForm {
  const raw = decodeUtf8Strictly(body, true);
  if (!raw.ok) return { ok: false, reason: notUtf8(raw.at) };
  const fields: [string, string][] = [];
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(AMPERSAND, start);
    if (end < 0) end = body.length;
    if (end > start) {
      let equals = body.indexOf(EQUALS, start);
      if (equals < 0 || equals > end) equals = end;
      const name = percentDecoded(body, start, equals);
      if (!name.ok) return name;
      const value = percentDecoded(body, Math.min(equals + 1, end), end);
      if (!value.ok) return value;
      fields.push([name.text, value.text]);
    }
    start = end + 1;
  }
  return { ok: true, fields };
}

/** `body[from, to)` with `+` as a space and its %-escapes decoded, as UTF-8 text, strictly. */
function percentDecoded(body: Uint8Array, from: number, to: number): { ok: true; text: string } | { ok: false; reason: string } {
  const bytes = new Uint8Array(to - from);
  /** Where in the body each decoded byte came from, to say where a bad one was. */
  const origins: number[] = [];
  let length = 0;
  for (let at = from; at < to; at++) {
    const byte = body[at] as number;
    origins[length] = at;
    if (byte === PERCENT && at + 2 < to) {
      const [high, low] = [hexValue(body[at + 1]), hexValue(body[at + 2])];
      if (high >= 0 && low >= 0) {
        bytes[length++] = high * 16 + low;
        at += 2;
        continue;
      }
    }
    bytes[length++] = byte === PLUS ? 0x20 : byte;
  }
  const text = decodeUtf8Strictly(bytes.subarray(0, length), true);
  if (text.ok) return text;
  return { ok: false, reason: `request body is not valid UTF-8 once its %-escapes are decoded (the escape at byte ${origins[text.at] ?? from})` };
}

/** The value of an ASCII hex digit, or -1. */
function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
