import type { z } from '@hono/zod-openapi';
import { bufferToFormData } from 'hono/utils/buffer';
import { invalidUtf8InMultipartText } from './multipartText.js';
import { nonIdentityTransferEncoding, transferEncodingNotAccepted } from './multipartTransferEncoding.js';
import { describeIssues } from './schemas.js';
import { notUtf8 } from './strictUtf8.js';
import { parseUrlencodedForm } from './urlencodedForm.js';

/** The Content-Types a form body may come with (@hono/zod-openapi's rules for its media-type gate). */
const MULTIPART = /^multipart\/form-data(;\s?boundary=[a-zA-Z0-9'"()+_,\-./:=?]+)?$/i;
const URLENCODED = /^application\/x-www-form-urlencoded(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** Whether a request's Content-Type is one a form body is taken with (the rest are refused with 415). */
export const acceptsFormContentType = (contentType: string): boolean => MULTIPART.test(contentType) || URLENCODED.test(contentType);

export type FormRequest<T> =
  | { ok: true; value: T }
  /** With a message: a multipart part in a transfer encoding. Without: the Content-Type, which the app's error handler words. */
  | { ok: false; status: 415; message?: string }
  | { ok: false; status: 400; message: string };

/**
 * A form request body (urlencoded or multipart), judged and parsed once: what `app.openapi()`'s
 * validators do with a required form body (@hono/zod-openapi's media-type gate, then hono's form
 * validator, then the zod schema), for a route that reads its body itself (see boundedBody), with
 * the same answers:
 * - a Content-Type that is not a form, or none with a non-empty body: 415;
 * - no Content-Type and no body: the schema judges `{}` (a 400 naming the missing fields);
 * - a multipart body that does not parse: 400 `Malformed FormData request. <why>`;
 * - a multipart part sent in a Content-Transfer-Encoding other than 7bit, 8bit or binary: 415
 *   naming it (nonIdentityTransferEncoding), as a compressed body is refused with 415: the route
 *   would take the encoded bytes for the value, and RFC 9110 §15.5.16 makes 415 the answer to
 *   content in a format the server does not take, known from its headers or from the data;
 * - a name or a value that is not UTF-8 (raw, or %-encoded in an urlencoded body; a file part's
 *   bytes are not text, and are not judged): 400 saying at which byte of the body;
 * - a form the schema refuses: 400 naming each field and why (`describeIssues`).
 * A field given twice, or named `x[]`, is an array, as hono's validator makes it.
 *
 * An urlencoded body is parsed here as `Response.formData()` parses it (parseUrlencodedForm):
 * that is the form every client sends, and going through a Response for it costs a Response, a
 * stream over the bytes and a FormData. A multipart body is still parsed by `Response.formData()`,
 * whose parser and error messages it keeps, and its text is then checked for bytes that parser
 * replaced (invalidUtf8InMultipartText). Either way a field is the text sent, or refused: a
 * decoder that replaces what is not UTF-8 handed the route another value than the one sent.
 */
export async function parseFormRequest<T>(contentType: string | undefined, body: Buffer, schema: z.ZodType<T>): Promise<FormRequest<T>> {
  let value: Record<string, unknown> = {};
  if (!contentType) {
    if (body.byteLength > 0) return { ok: false, status: 415 };
  } else {
    if (!acceptsFormContentType(contentType)) return { ok: false, status: 415 };
    if (URLENCODED.test(contentType)) {
      const form = parseUrlencodedForm(body);
      if (!form.ok) return { ok: false, status: 400, message: form.reason };
      value = formObject({ forEach: (each) => form.fields.forEach(([name, field]) => each(field, name)) });
    } else {
      try {
        value = formObject(await bufferToFormData(body as unknown as ArrayBuffer, contentType));
      } catch (error) {
        return { ok: false, status: 400, message: `Malformed FormData request. ${error instanceof Error ? error.message : String(error)}` };
      }
      const encoding = nonIdentityTransferEncoding(body, contentType);
      if (encoding !== undefined) return { ok: false, status: 415, message: transferEncodingNotAccepted(encoding) };
      const notText = invalidUtf8InMultipartText(body, contentType);
      if (notText >= 0) return { ok: false, status: 400, message: notUtf8(notText) };
    }
  }
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, status: 400, message: describeIssues(result.error) };
}

/** A form's fields as hono's validator gives them to the schema: `x[]` and repeated names as arrays. */
function formObject(fields: { forEach: (each: (value: string | File, key: string) => void) => void }): Record<string, unknown> {
  const form: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  fields.forEach((value, key) => {
    const held = form[key];
    if (key.endsWith('[]')) ((form[key] ??= []) as unknown[]).push(value);
    else if (Array.isArray(held)) held.push(value);
    else if (Object.hasOwn(form, key)) form[key] = [held, value];
    else form[key] = value;
  });
  return form;
}
