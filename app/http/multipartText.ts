import { firstInvalidUtf8Byte } from './strictUtf8.js';

const CRLF_DASHES = Buffer.from('\r\n--');
const DASHES = 0x2d;

/**
 * Where the text of a multipart/form-data body is not UTF-8: the offset of the first ill-formed
 * byte in a part that is not a file (its value is a string field) or in the headers of such a
 * part (its name), or -1 where there is none.
 *
 * `Response.formData()` decodes those as UTF-8 replacing what is not (undici's multipart parser),
 * so a field sent as `\xff` reached the route as U+FFFD, another value than the one sent. A file
 * part (one whose Content-Disposition has a `filename`) is bytes, taken as they are, and so are
 * the preamble and the epilogue, which the parser skips: ill-formed bytes there are not the
 * text's. Called on a body the parser has accepted, whose parts are framed by the boundary.
 */
export function invalidUtf8InMultipartText(body: Uint8Array, contentType: string): number {
  const delimiter = multipartDelimiter(contentType);
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  /** Where the delimiter line that starts the part holding `at` begins, after its CRLF (the body's first line has none). */
  const partStart = (at: number): number => {
    const found = bytes.lastIndexOf(delimiter, at);
    if (found >= 0) return found + 2;
    return bytes.subarray(0, delimiter.length - 2).equals(delimiter.subarray(2)) ? 0 : -1;
  };
  let at = firstInvalidUtf8Byte(bytes);
  while (at >= 0) {
    const start = partStart(at);
    const afterDelimiter = start + delimiter.length - 2;
    // After the closing delimiter (`--boundary--`) is the epilogue, which the parser ignores.
    if (start >= 0 && bytes[afterDelimiter] === DASHES && bytes[afterDelimiter + 1] === DASHES) return -1;
    if (start >= 0) {
      const headersEnd = bytes.indexOf('\r\n\r\n', afterDelimiter);
      const headers = bytes.subarray(afterDelimiter, headersEnd < 0 ? bytes.length : headersEnd).toString('latin1');
      // undici's test for a file part: its Content-Disposition goes on with `; filename="` (or `filename*=`).
      if (!/; filename\*?="/.test(headers)) return at;
    }
    // In the preamble or a file part: the next part's delimiter is where text may begin again.
    const next = bytes.indexOf(delimiter, at);
    if (next < 0) return -1;
    at = firstInvalidUtf8Byte(bytes, next);
  }
  return -1;
}

/** The line that starts each part of a multipart body, with the CRLF before it: `\r\n--<boundary>`, the boundary as `contentType` gives it (quoted or not). */
export function multipartDelimiter(contentType: string): Buffer {
  const boundary = /;\s*boundary=(?:"([^"]*)"|([^;\s]+))/i.exec(contentType);
  return Buffer.concat([CRLF_DASHES, Buffer.from(boundary?.[1] ?? boundary?.[2] ?? '', 'latin1')]);
}
