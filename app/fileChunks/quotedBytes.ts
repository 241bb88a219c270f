import { escapedText } from '../../common/quotedText.js';
import { firstInvalidUtf8Byte } from '../http/strictUtf8.js';

/**
 * Bytes of a file as a message quotes them: the UTF-8 text they hold as `quotedText` shows it
 * (what cannot be seen, escaped), and each byte that is not part of well-formed UTF-8 as `\xff`.
 * Decoded as text such a byte was U+FFFD, which says nothing of what the byte is. At most the
 * first `maxBytes` bytes are shown, and the rest of a character the cut falls in, then `…` when
 * more follows: a caller may give only the first `maxBytes + 3` bytes of something longer.
 */
export function quotedBytes(bytes: Uint8Array, maxBytes: number): string {
  const cut = Math.min(bytes.length, maxBytes);
  let shown = '';
  let at = 0;
  while (at < cut) {
    const invalid = firstInvalidUtf8Byte(bytes, at);
    const textEnd = invalid === -1 ? bytes.length : invalid;
    if (textEnd > at) {
      let end = Math.min(textEnd, cut);
      // On to the end of the character the cut falls in (continuation bytes are 10xxxxxx).
      while (end < textEnd && (bytes[end]! & 0xc0) === 0x80) end++;
      shown += escapedText(Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString('utf8'));
      at = end;
    } else {
      shown += `\\x${bytes[at]!.toString(16).padStart(2, '0')}`;
      at++;
    }
  }
  return `"${shown}${at < bytes.length ? '…' : ''}"`;
}
