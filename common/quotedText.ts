/**
 * Text from a file or a client as a message quotes it, so that what is there can be seen: in
 * double quotes, with JSON's escapes (quotes, backslashes, C0 controls, lone surrogates), and
 * every other character that shows nothing or passes for another escaped too: C1 controls,
 * format characters (the byte-order mark U+FEFF, zero-width spaces, direction marks, the soft
 * hyphen), separators other than the space (no-break spaces, U+2028), private-use and
 * unassigned code points, and U+FFFD, which stands for bytes that were not text: as `\ufeff`,
 * or `\u{e0001}` past U+FFFF. `not an integer: "﻿2"` showed a BOM no one could see; it is
 * `not an integer: "\ufeff2"`.
 */
export function quotedText(text: string): string {
  return `"${escapedText(text)}"`;
}

/** `quotedText` without the quotes: for a message that quotes pieces escaped differently (bytes that are not UTF-8). */
export function escapedText(text: string): string {
  return JSON.stringify(text).slice(1, -1).replace(UNSEEN, (character) => (character === ' ' ? character : codePointEscape(character)));
}

/** Characters that show nothing, or pass for others; the space is among the separators, and kept. */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Z}\u{fffd}]/gu;

function codePointEscape(character: string): string {
  const code = character.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
