import { z } from '@hono/zod-openapi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRequestedPath, namesFolder } from '../../app/files/confinedPath.js';
import { MALFORMED_JSON, parseJsonRequest } from '../../app/http/jsonBody.js';
import { parseByteSize } from '../../common/env.js';
import { propertySettings } from '../support/properties.js';

/**
 * Property tests of what the workload app reads from a client or an operator: byte sizes
 * (`common/env.ts`), the file paths a client may name (`app/files/confinedPath.ts`) and JSON
 * request bodies (`app/http/jsonBody.ts`).
 */

/** Each unit's bytes, written out independently of the code's table (`k`, `m`, `g` alone are the binary units). */
const UNIT_BYTES: Record<string, number> = {
  b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, tb: 1000 ** 4, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};
/** A unit in any letter case (`MiB`, `mib`, `MIB`). */
const unitSpelling = fc.tuple(fc.constantFrom(...Object.keys(UNIT_BYTES)), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })).map(([unit, upper]) => ({
  unit,
  spelt: [...unit].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''),
}));
const blanks = fc.constantFrom('', ' ', '  ', '\t');

describe('parseByteSize, as properties', () => {
  it('a generated `<n><unit>` (whole or decimal n, any unit in any case, blanks around) reads as n × the unit, rounded down to a whole byte', () => {
    const number = fc.tuple(fc.nat({ max: 100_000 }), fc.option(fc.nat({ max: 99 }), { nil: undefined })).map(([whole, fraction]) => (fraction === undefined ? `${whole}` : `${whole}.${String(fraction).padStart(2, '0')}`));
    fc.assert(
      fc.property(number, unitSpelling, blanks, blanks, blanks, (n, { unit, spelt }, before, between, after) => {
        expect(parseByteSize(`${before}${n}${between}${spelt}${after}`)).toBe(Math.floor(Number(n) * (UNIT_BYTES[unit] as number)));
      }),
      propertySettings(300),
    );
  });

  it('a plain whole number is that many bytes', () => {
    fc.assert(
      fc.property(fc.nat(), (bytes) => {
        expect(parseByteSize(String(bytes))).toBe(bytes);
      }),
      propertySettings(100),
    );
  });

  it('any string reads as undefined or as a finite whole number of bytes, never NaN, an infinity or a negative size', () => {
    const sizeLike = fc.oneof(
      fc.array(fc.constantFrom(...'0123456789.-+ eEkKmMgGtTiIbBx'.split(''), '9'.repeat(400), 'Infinity', 'NaN'), { maxLength: 10 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 20 }),
      // Long runs of digits: counts beyond any file, up to beyond what a number holds.
      fc.tuple(fc.integer({ min: 1, max: 9 }), fc.nat({ max: 400 }), fc.constantFrom('', 'b', 'KiB', 'gb')).map(([digit, length, unit]) => `${String(digit).repeat(length + 1)}${unit}`),
    );
    fc.assert(
      fc.property(sizeLike, (text) => {
        const bytes = parseByteSize(text);
        if (bytes !== undefined) {
          expect(Number.isSafeInteger(bytes) || (Number.isInteger(bytes) && Number.isFinite(bytes))).toBe(true);
          expect(bytes).toBeGreaterThanOrEqual(0);
        }
      }),
      propertySettings(400),
    );
  });

  it('regression: a size too large for a number (a 400-digit count, 1e300 GiB spelt out) is no byte size rather than Infinity', () => {
    // Found by the property above: `9` × 400 read as Infinity, which as a body limit lets any body through.
    expect(parseByteSize('9'.repeat(400))).toBeUndefined();
    expect(parseByteSize(`1${'0'.repeat(300)}GiB`)).toBeUndefined();
    expect(parseByteSize(`1${'0'.repeat(300)}`)).toBe(1e300);
  });

  it('garbage (a sign, an exponent, an unknown unit, no digits) is no byte size', () => {
    const garbage = fc.oneof(
      fc.nat().map((n) => `-${n}`),
      fc.nat().map((n) => `${n}e3`),
      fc.tuple(fc.nat(), fc.stringMatching(/^[a-zA-Z]{1,4}$/).filter((unit) => !(unit.toLowerCase() in UNIT_BYTES))).map(([n, unit]) => `${n}${unit}`),
      fc.stringMatching(/^[^0-9]*$/),
      fc.nat().map((n) => `.${n}`),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        expect(parseByteSize(text)).toBeUndefined();
      }),
      propertySettings(300),
    );
  });
});

/** A segment of a path a client may send: names, `.`, `..`, an empty segment (`a//b`), names that merely contain dots. */
const segment = fc.constantFrom('a', 'b.txt', 'root', 'data', 'sub', '..', '..', '.', '', '..a', 'a..', '...', 'x y', 'é', '\\', '..\\..');
const relativePath = fc.array(segment, { minLength: 1, maxLength: 8 }).map((segments) => segments.join('/')).filter((path) => path !== '' && !path.startsWith('/'));

/** Whether a path's `..` segments climb out of the folder it is taken in, walked a segment at a time. */
function climbsOut(path: string): boolean {
  let depth = 0;
  for (const name of path.split('/')) {
    if (name === '..') depth -= 1;
    else if (name !== '' && name !== '.') depth += 1;
    if (depth < 0) return true;
  }
  return false;
}

describe('checkRequestedPath and namesFolder, as properties', () => {
  it('any string is accepted or refused with 400 or 403 and a reason, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), relativePath), (path) => {
        const check = checkRequestedPath(path);
        if (!check.ok) {
          expect([400, 403]).toContain(check.status);
          expect(check.reason.length).toBeGreaterThan(0);
        }
      }),
      propertySettings(300),
    );
  });

  it('a relative path is refused with 403 exactly when its `..` segments climb out of the folder, whatever the names they climb back into', () => {
    fc.assert(
      fc.property(relativePath, (path) => {
        const check = checkRequestedPath(path);
        if (climbsOut(path)) expect(check).toEqual({ ok: false, status: 403, reason: 'path leads outside the data directory' });
        else expect(check).toEqual({ ok: true });
      }),
      propertySettings(400),
    );
  });

  it('regression: `..` that climbs out and back into a folder named as the check\'s own stand-in root is refused', () => {
    // Found by the property above: `../root` and `a/../../root/x` were accepted, being judged
    // against a folder called /root (confinedPath then refused them on where they really led).
    for (const path of ['../root', '../root/a.txt', 'a/../../root/x', '../data/a.txt']) {
      expect(checkRequestedPath(path)).toEqual({ ok: false, status: 403, reason: 'path leads outside the data directory' });
    }
  });

  it('a plain relative path of safe names (letters, digits, dots inside, `-`, `_`) is accepted', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,11}$/).filter((n) => n !== '.' && n !== '..' && !/^\.\.?$/.test(n));
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 6 }), (names) => {
        expect(checkRequestedPath(names.join('/'))).toEqual({ ok: true });
      }),
      propertySettings(200),
    );
  });

  it('an absolute path, a path with a NUL byte anywhere, and one of PATH_MAX bytes or more are refused with 400', () => {
    fc.assert(
      fc.property(relativePath, fc.nat(), (path, at) => {
        expect(checkRequestedPath(`/${path}`)).toMatchObject({ ok: false, status: 400, reason: 'path must be relative to the data directory, not absolute' });
        const cut = at % (path.length + 1);
        expect(checkRequestedPath(`${path.slice(0, cut)}\0${path.slice(cut)}`)).toMatchObject({ ok: false, status: 400, reason: 'path contains a NUL byte' });
        const long = `${path}/${'n'.repeat(Math.max(1, 4096 - Buffer.byteLength(path) - 1))}`;
        expect(checkRequestedPath(long)).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/^path too long/) });
      }),
      propertySettings(200),
    );
  });

  it('a path ending in `/`, `/.` or `/..` names a folder; one ending in a name does not', () => {
    const name = fc.stringMatching(/^[^/]{1,10}$/).filter((n) => n !== '.' && n !== '..');
    fc.assert(
      fc.property(relativePath, name, (path, last) => {
        expect(namesFolder(`${path}/`)).toBe(true);
        expect(namesFolder(`${path}/.`)).toBe(true);
        expect(namesFolder(`${path}/..`)).toBe(true);
        expect(namesFolder(`${path}/${last}`)).toBe(false);
        expect(namesFolder(last)).toBe(false);
      }),
      propertySettings(200),
    );
  });
});

/** A small request schema, as the routes use. */
const Greeting = z.object({ name: z.string().min(1), count: z.number().int().min(0) });
const greeting = fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), count: fc.nat() });
const jsonContentType = fc
  .tuple(fc.constantFrom('application/json', 'APPLICATION/JSON', 'application/merge-patch+json', 'application/vnd.api+json'), fc.constantFrom('', '; charset=utf-8', ';charset=UTF-8', '; a=b; c=d'))
  .map(([type, parameters]) => `${type}${parameters}`);
const anyContentType = fc.oneof(jsonContentType, fc.constantFrom(undefined, '', 'text/plain', 'text/plain; name=json', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/jsonx', 'json'), fc.string({ maxLength: 30 }));
const encoder = new TextEncoder();

describe('parseJsonRequest, as properties', () => {
  it('any bytes with any Content-Type give a value, a 415, or a 400 with a message; never a throw', () => {
    const bodies = fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.json().map((text) => encoder.encode(text)), greeting.map((value) => encoder.encode(JSON.stringify(value))));
    fc.assert(
      fc.property(anyContentType, bodies, (contentType, body) => {
        const result = parseJsonRequest(contentType, body, Greeting);
        if (result.ok) expect(Greeting.safeParse(result.value).success).toBe(true);
        else if (result.status === 400) expect(result.message.length).toBeGreaterThan(0);
        else expect(result.status).toBe(415);
      }),
      propertySettings(300),
    );
  });

  it('a JSON body the schema accepts, with any JSON Content-Type (parameters, +json, any case, a byte-order mark), gives back the value sent', () => {
    fc.assert(
      fc.property(jsonContentType, greeting, fc.boolean(), fc.constantFrom('', ' ', '\n', '\t\r\n'), (contentType, value, bom, blank) => {
        const body = encoder.encode(`${bom ? '\uFEFF' : ''}${blank}${JSON.stringify(value)}${blank}`);
        expect(parseJsonRequest(contentType, body, Greeting)).toEqual({ ok: true, value });
      }),
      propertySettings(200),
    );
  });

  it('JSON with more after it is refused as malformed (400), and JSON of the wrong shape with a 400 naming the field', () => {
    fc.assert(
      fc.property(jsonContentType, fc.json(), greeting, (contentType, json, value) => {
        expect(parseJsonRequest(contentType, encoder.encode(`${json}}`), Greeting)).toEqual({ ok: false, status: 400, message: MALFORMED_JSON });
        const wrong = parseJsonRequest(contentType, encoder.encode(JSON.stringify({ ...value, count: -1 - value.count })), Greeting);
        expect(wrong).toMatchObject({ ok: false, status: 400, message: expect.stringMatching(/^count: /) });
      }),
      propertySettings(200),
    );
  });

  it('a non-empty body without a Content-Type, or with one that is not JSON, is refused with 415 before it is read', () => {
    const notJson = fc.constantFrom(undefined, '', 'text/plain', 'text/plain; name=json', 'application/x-www-form-urlencoded', 'application/jsonx', ' application/json', 'json');
    fc.assert(
      fc.property(notJson, fc.uint8Array({ minLength: 1, maxLength: 40 }), (contentType, body) => {
        expect(parseJsonRequest(contentType, body, Greeting)).toEqual({ ok: false, status: 415 });
      }),
      propertySettings(200),
    );
  });
});
