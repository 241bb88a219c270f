import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { acceptsFormContentType, parseFormRequest } from '../../app/http/formBody.js';

const Datum = z.object({ data: z.string().min(1, 'data must not be empty') });
const FORM = 'application/x-www-form-urlencoded';
const parse = (contentType: string | undefined, body: string | Buffer) => parseFormRequest(contentType, Buffer.from(body), Datum);

/** A form's fields as `Response.formData()` parses them (what hono's form validator used), in order. */
async function fieldsByResponse(body: Buffer): Promise<Array<[string, string]>> {
  const fields: Array<[string, string]> = [];
  (await new Response(body, { headers: { 'Content-Type': FORM } }).formData()).forEach((value, key) => fields.push([key, value as string]));
  return fields;
}

describe('parseFormRequest: a form body judged and parsed once, as app.openapi() did', () => {
  it('takes an urlencoded body, with or without parameters, in any case', async () => {
    for (const contentType of [FORM, `${FORM}; charset=utf-8`, 'APPLICATION/X-WWW-FORM-URLENCODED']) {
      expect(await parse(contentType, 'data=entropy+is+increasing'), contentType).toEqual({ ok: true, value: { data: 'entropy is increasing' } });
    }
  });

  it('takes a multipart body, parsed by Response.formData()', async () => {
    const body = '--XyZ\r\nContent-Disposition: form-data; name="data"\r\n\r\nstars\r\n--XyZ--\r\n';
    expect(await parse('multipart/form-data; boundary=XyZ', body)).toEqual({ ok: true, value: { data: 'stars' } });
  });

  it('refuses another Content-Type, or none with a body, with 415', async () => {
    for (const contentType of ['application/json', 'text/plain', `${FORM} ; charset=utf-8`, 'multipart/form-data; boundary=a b']) {
      expect(await parse(contentType, 'data=x'), contentType).toEqual({ ok: false, status: 415 });
    }
    expect(await parse(undefined, 'data=x')).toEqual({ ok: false, status: 415 });
  });

  it('judges no Content-Type and no body as an empty form: a 400 naming the field', async () => {
    expect(await parse(undefined, '')).toEqual({ ok: false, status: 400, message: 'data: Invalid input: expected string, received undefined' });
  });

  it('makes a field given twice, or named x[], an array, as hono does: the schema refuses it', async () => {
    expect(await parse(FORM, 'data=a&data=b')).toEqual({ ok: false, status: 400, message: 'data: Invalid input: expected string, received array' });
    expect(await parseFormRequest(FORM, Buffer.from('data[]=a'), z.object({ 'data[]': z.array(z.string()) }))).toEqual({ ok: true, value: { 'data[]': ['a'] } });
  });

  it('answers a multipart body that does not parse with 400, saying why as Response.formData() does', async () => {
    expect(await parse('multipart/form-data; boundary=XyZ', 'garbage')).toEqual({ ok: false, status: 400, message: 'Malformed FormData request. Failed to parse body as FormData.' });
  });

  it('parses an urlencoded body field for field as Response.formData() does (a byte-order mark kept)', async () => {
    const bodies = [
      'data=a&b=c',
      '\uFEFFdata=x',
      'data=%E2%82%ACx&data=%C3%A9',
      '&&&=&a&=b&c=d=e',
      'a+b=c+d&%2B=%26&%zz=%4',
      '__proto__=x&constructor=y',
      '',
    ].map((body) => Buffer.from(body));
    const asParsed = z.custom<Record<string, unknown>>(() => true);
    for (const body of bodies) {
      const expected: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [key, value] of await fieldsByResponse(body)) expected[key] = key in expected ? [expected[key], value].flat() : value;
      const parsed = await parseFormRequest(FORM, body, asParsed);
      expect(parsed.ok && { ...parsed.value }, JSON.stringify(body.toString('latin1'))).toEqual({ ...expected });
    }
  });

  it('refuses, with 400, what Response.formData() read with U+FFFD in place of bytes that are not UTF-8', async () => {
    expect(await parse(FORM, 'data=%FF%FEx&data=%E2%82%AC')).toMatchObject({ ok: false, status: 400, message: expect.stringMatching(/^request body is not valid UTF-8 once its %-escapes are decoded/) });
    expect(await parse(FORM, Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3d, 0xff, 0xc3, 0x26, 0xe2, 0x82]))).toEqual({ ok: false, status: 400, message: 'request body is not valid UTF-8 (at byte 5)' });
  });

  it('knows the Content-Types @hono/zod-openapi lets through to a form route', () => {
    expect(acceptsFormContentType('multipart/form-data; boundary=----x')).toBe(true);
    expect(acceptsFormContentType('multipart/form-data')).toBe(true);
    expect(acceptsFormContentType('text/plain')).toBe(false);
  });
});
