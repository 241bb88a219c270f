/**
 * A request's text is the text sent, or refused: bytes that are not UTF-8 get a 400 saying at
 * which byte, where a decoder that replaces them (`Request.text()`, `Buffer.toString`) turned
 * `\xff\xfe` into two U+FFFD and the app stored, and answered the digest of, a message nobody sent.
 */
import { z } from '@hono/zod-openapi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFormRequest } from '../../app/http/formBody.js';
import { parseJsonRequest } from '../../app/http/jsonBody.js';
import { invalidUtf8InMultipartText } from '../../app/http/multipartText.js';
import { decodeUtf8Strictly, firstInvalidUtf8Byte } from '../../app/http/strictUtf8.js';
import { parseUrlencodedForm } from '../../app/http/urlencodedForm.js';
import { propertySettings } from '../support/properties.js';

const bytes = (...parts: Array<string | number[] | Uint8Array>) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

describe('firstInvalidUtf8Byte: where bytes stop being UTF-8', () => {
  it.each([
    ['a byte no sequence begins with', [0x61, 0xff, 0xfe], 1],
    ['a continuation byte alone', [0x61, 0x62, 0x80], 2],
    ['an overlong form', [0xc0, 0xaf], 0],
    ['an overlong three-byte form', [0x61, 0xe0, 0x80, 0xaf], 1],
    ['a surrogate (CESU-8)', [0xed, 0xa0, 0x80], 0],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut short by the end', [0x61, 0xe2, 0x82], 1],
    ['a sequence cut short by an ASCII byte', [0xe2, 0x82, 0x41], 0],
  ])('finds %s', (_case, given, at) => {
    expect(firstInvalidUtf8Byte(Uint8Array.from(given))).toBe(at);
    expect(decodeUtf8Strictly(Uint8Array.from(given))).toEqual({ ok: false, at });
  });

  it('finds nothing in well-formed text of every length of sequence', () => {
    expect(firstInvalidUtf8Byte(Buffer.from('a é € 😀 \u{10FFFF}'))).toBe(-1);
  });

  it('agrees with TextDecoder on any bytes, and points at the first byte the replacing decoder replaces', () => {
    const replacing = new TextDecoder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 }), (noise, text) => {
        for (const given of [noise, bytes(text, Array.from(noise)), bytes(Array.from(noise), text)]) {
          const at = firstInvalidUtf8Byte(given);
          let wellFormed = true;
          try {
            new TextDecoder('utf-8', { fatal: true }).decode(given);
          } catch {
            wellFormed = false;
          }
          expect(at === -1).toBe(wellFormed);
          if (at >= 0) {
            // Everything before it is well-formed, and it is where the first U+FFFD comes from.
            expect(firstInvalidUtf8Byte(given.subarray(0, at))).toBe(-1);
            const before = replacing.decode(given.subarray(0, at));
            expect(replacing.decode(given).startsWith(`${before}\uFFFD`)).toBe(true);
          }
        }
      }),
      propertySettings(500),
    );
  });
});

describe('parseJsonRequest: a JSON body that is not UTF-8', () => {
  const Message = z.object({ message: z.string() });

  it('refuses it with 400 saying at which byte, instead of reading U+FFFD in its place', () => {
    const body = bytes('{"message":"', [0xff, 0xfe], '"}');
    expect(parseJsonRequest('application/json', body, Message)).toEqual({ ok: false, status: 400, message: 'request body is not valid UTF-8 (at byte 12)' });
  });

  it('still drops a leading byte-order mark, as Request.text() does', () => {
    expect(parseJsonRequest('application/json', bytes([0xef, 0xbb, 0xbf], '{"message":"é"}'), Message)).toEqual({ ok: true, value: { message: 'é' } });
  });
});

describe('parseUrlencodedForm: a form parsed as URLSearchParams parses it, strictly', () => {
  it('refuses a raw byte that is not UTF-8, saying where', () => {
    expect(parseUrlencodedForm(bytes('data=', [0xff]))).toEqual({ ok: false, reason: 'request body is not valid UTF-8 (at byte 5)' });
  });

  it('refuses a %-escape that decodes to what is not UTF-8, saying where the escape is', () => {
    expect(parseUrlencodedForm(bytes('a=b&data=x%FF%FE'))).toEqual({
      ok: false,
      reason: 'request body is not valid UTF-8 once its %-escapes are decoded (the escape at byte 10)',
    });
    expect(parseUrlencodedForm(bytes('%E2%82=x'))).toMatchObject({ ok: false, reason: expect.stringMatching(/at byte 0\)$/) });
  });

  it('gives the fields of well-formed text as URLSearchParams gives them', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.stringMatching(/^[a-z=&+%0-9A-F\uFEFF]{0,16}$/),
      fc.array(fc.constantFrom('%E2', '%82', '%AC', '%C3', '%A9', '%2', '%', '+', '=', '&', 'a'), { maxLength: 10 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, (body) => {
        const parsed = parseUrlencodedForm(Buffer.from(body));
        const expected = [...new URLSearchParams(body)];
        // URLSearchParams replaces what is not UTF-8 with U+FFFD; only there may the two differ, by a refusal.
        if (parsed.ok) expect(parsed.fields).toEqual(expected);
        else expect(expected.flat().join('')).toContain('\uFFFD');
      }),
      propertySettings(500),
    );
  });
});

describe('invalidUtf8InMultipartText: the text of a multipart body', () => {
  const CONTENT_TYPE = 'multipart/form-data; boundary=XyZ';
  const part = (headers: string, body: string | number[]) => bytes(`--XyZ\r\n${headers}\r\n\r\n`, body, '\r\n');

  it('finds a field value that is not UTF-8', () => {
    const body = bytes(part('Content-Disposition: form-data; name="data"', [0x61, 0xff]), '--XyZ--\r\n');
    expect(invalidUtf8InMultipartText(body, CONTENT_TYPE)).toBe(body.indexOf(0xff));
  });

  it('finds a field name that is not UTF-8', () => {
    const body = bytes('--XyZ\r\nContent-Disposition: form-data; name="d', [0xff], '"\r\n\r\nx\r\n--XyZ--\r\n');
    expect(invalidUtf8InMultipartText(body, CONTENT_TYPE)).toBe(body.indexOf(0xff));
  });

  it('passes bytes of any kind in a file part, in the preamble and in the epilogue', () => {
    const body = bytes(
      [0xff],
      '\r\n',
      part('Content-Disposition: form-data; name="upload"; filename="a.bin"\r\nContent-Type: application/octet-stream', [0xff, 0xfe, 0x00, 0xc0]),
      part('Content-Disposition: form-data; name="data"', 'stars ★'),
      '--XyZ--\r\n',
      [0xff],
    );
    expect(invalidUtf8InMultipartText(body, CONTENT_TYPE)).toBe(-1);
  });

  it('finds a bad field after a file part, and reads a quoted boundary', () => {
    const body = bytes(
      part('Content-Disposition: form-data; name="upload"; filename="a.bin"', [0xff]),
      part('Content-Disposition: form-data; name="data"', [0xfe]),
      '--XyZ--\r\n',
    );
    expect(invalidUtf8InMultipartText(body, 'multipart/form-data; boundary="XyZ"')).toBe(body.indexOf(0xfe));
  });
});

describe('parseFormRequest: a form field that is not UTF-8', () => {
  const Datum = z.object({ data: z.string() });

  it('refuses an urlencoded one, raw or %-encoded, with 400', async () => {
    expect(await parseFormRequest('application/x-www-form-urlencoded', bytes('data=%FF'), Datum)).toEqual({
      ok: false,
      status: 400,
      message: 'request body is not valid UTF-8 once its %-escapes are decoded (the escape at byte 5)',
    });
  });

  it('refuses a multipart one with 400, where Response.formData() read U+FFFD', async () => {
    const body = bytes('--XyZ\r\nContent-Disposition: form-data; name="data"\r\n\r\n', [0xff, 0xfe], '\r\n--XyZ--\r\n');
    expect(await parseFormRequest('multipart/form-data; boundary=XyZ', body, Datum)).toEqual({ ok: false, status: 400, message: `request body is not valid UTF-8 (at byte ${body.indexOf(0xff)})` });
  });
});
