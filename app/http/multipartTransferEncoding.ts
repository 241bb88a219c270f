import { echoedValue } from './echoedValue.js';
import { multipartDelimiter } from './multipartText.js';

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const DASH = 0x2d;

/**
 * The transfer encodings that leave a part's bytes as they are (RFC 2045 §6.2): `7bit` and
 * `8bit` only say which bytes to expect, `binary` that any may come. Names are case-insensitive.
 */
const IDENTITY_ENCODINGS: ReadonlySet<string> = new Set(['7bit', '8bit', 'binary']);

/**
 * The first Content-Transfer-Encoding a part of a multipart/form-data body says its bytes are in,
 * as sent (without the blanks around it), other than an identity one (7bit, 8bit, binary, in any
 * case; an empty value names none, as an empty Content-Encoding does); undefined where no part
 * names one.
 *
 * RFC 7578 §4.7 deprecates the header in form data: a part is its bytes, as they are. The parser
 * behind `Response.formData()` (undici) decodes `base64` alone, and only so spelled (`BASE64` is
 * kept encoded), and keeps every other encoding (`quoted-printable`, ...) as its encoded bytes:
 * the route would take a value the client did not mean, and which one would hang on the spelling.
 * So such a part is refused, not guessed at.
 *
 * Part headers are read as that parser reads them: from the line after the delimiter, a header a
 * line (a name, a colon, the value after its blanks, up to a CR or LF), up to an empty line. Every
 * part is judged, a file part as much as a field. Called on a body the parser has accepted, whose
 * parts are framed by the boundary; the preamble, if any, and the epilogue are no part.
 */
export function nonIdentityTransferEncoding(body: Uint8Array, contentType: string): string | undefined {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = multipartDelimiter(contentType);
  const dashBoundary = delimiter.subarray(2);
  let start = firstDelimiter(bytes, delimiter);
  while (start >= 0) {
    const afterDelimiter = start + dashBoundary.length;
    // `--<boundary>--` closes the body: what follows is the epilogue.
    if (bytes[afterDelimiter] === DASH && bytes[afterDelimiter + 1] === DASH) return undefined;
    const delimiterLineEnd = bytes.indexOf('\r\n', afterDelimiter);
    if (delimiterLineEnd < 0) return undefined;
    const { encodings, end } = transferEncodingsOfPart(bytes, delimiterLineEnd + 2);
    const encoded = encodings.find((encoding) => !isIdentity(encoding));
    if (encoded !== undefined) return encoded;
    const next = bytes.indexOf(delimiter, end);
    start = next < 0 ? -1 : next + 2;
  }
  return undefined;
}

/** The 415 message for a part sent in a transfer encoding (`nonIdentityTransferEncoding`). */
export function transferEncodingNotAccepted(encoding: string): string {
  return `Content-Transfer-Encoding ${echoedValue(encoding, { quoted: true })} is not accepted on a multipart/form-data part: send the part's bytes as they are, unencoded (RFC 7578 §4.7)`;
}

const isIdentity = (encoding: string): boolean => encoding === '' || IDENTITY_ENCODINGS.has(encoding.toLowerCase());

/** Where the first part's delimiter starts: the body's first line after any empty lines (as the parser takes it), else the first one after a preamble; -1 for none. */
function firstDelimiter(bytes: Buffer, delimiter: Buffer): number {
  let at = 0;
  while (bytes[at] === CR && bytes[at + 1] === LF) at += 2;
  if (bytes.subarray(at, at + delimiter.length - 2).equals(delimiter.subarray(2))) return at;
  const found = bytes.indexOf(delimiter);
  return found < 0 ? -1 : found + 2;
}

/** The values of the Content-Transfer-Encoding headers of the part whose headers begin at `from`, and where its headers end. */
function transferEncodingsOfPart(bytes: Buffer, from: number): { encodings: string[]; end: number } {
  const encodings: string[] = [];
  let at = from;
  while (at < bytes.length && !(bytes[at] === CR && bytes[at + 1] === LF)) {
    let colon = at;
    while (colon < bytes.length && bytes[colon] !== CR && bytes[colon] !== LF && bytes[colon] !== COLON) colon += 1;
    let lineEnd = colon;
    while (lineEnd < bytes.length && bytes[lineEnd] !== CR && bytes[lineEnd] !== LF) lineEnd += 1;
    const name = withoutBlanks(bytes.toString('latin1', at, colon));
    if (bytes[colon] === COLON && name.toLowerCase() === 'content-transfer-encoding') {
      encodings.push(withoutBlanks(bytes.toString('latin1', colon + 1, lineEnd)));
    }
    // The parser steps over a line's end as two bytes, CR LF.
    at = lineEnd + 2;
  }
  return { encodings, end: at };
}

/** `text` without the spaces and tabs around it (the blanks a header allows; String.trim would take more). */
const withoutBlanks = (text: string): string => text.replace(/^[ \t]+|[ \t]+$/g, '');
