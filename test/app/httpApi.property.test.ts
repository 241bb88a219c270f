/**
 * Property-based fuzz of the workload app's HTTP API, against the real app (the CLI process, a
 * real Redis, database 9): whatever a client sends, the app answers below 500 with the error body
 * its route's contract names, stays up, and loses nothing it accepted. The inputs are generated
 * (fast-check); `PROPERTY_SEED` and `PROPERTY_SCALE` replay or widen them (test/support/properties.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemblePng, handmadePng, pngChunk, type HandmadeHeader } from '../support/handmadePng.js';
import { startAppUnderTest, type AppUnderTest } from '../support/processes.js';
import { propertySettings } from '../support/properties.js';

/** Large enough for a MultiVAC datum of 65,536 characters and one more, small enough to fuzz messages up to it. */
const JSON_BODY_LIMIT = 96 * 1024;
const MULTIVAC_DATUM_LIMIT = 65_536;
const USER_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
/** A property's runs are HTTP exchanges: each property gets this long in all (longer for a longer fuzz, PROPERTY_SCALE). */
const PROPERTY_TIMEOUT_MS = 60_000 * Math.max(1, Number(process.env.PROPERTY_SCALE ?? 1) || 1);

let sut: AppUnderTest;
let port: number;
let redis: Redis;
/** One connection, kept alive between requests (a 408 or 413 ends it; the agent opens another). */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 9, worker: false, env: { JSON_BODY_LIMIT: String(JSON_BODY_LIMIT), LOG_LEVEL: 'warn' } });
  port = Number(new URL(sut.url).port);
  redis = new Redis(sut.env.REDIS_URL as string);
  // A data directory with a file, a folder and a symlink that leads out of it.
  await mkdir(join(sut.dirs.data, 'sub'));
  await writeFile(join(sut.dirs.data, 'a.txt'), 'let there be light\n');
  await writeFile(join(sut.dirs.data, 'sub', 'b.txt'), '2 4 6\n');
  await symlink(dirname(sut.dirs.data), join(sut.dirs.data, 'out'));
});
afterAll(async () => {
  agent.destroy();
  redis?.disconnect();
  await sut?.stop();
});

interface Exchange {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Sent with Transfer-Encoding: chunked, in two pieces, instead of a Content-Length. */
  chunked?: boolean;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
  text: string;
}

/**
 * One request through Node's HTTP client, which (unlike fetch) sends a body with any method,
 * GET and HEAD included. A request not answered within 10 s is a hang, and fails the run.
 */
function send({ method, path, headers = {}, body, chunked = false }: Exchange): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const head: Record<string, string> = { ...headers };
    if (body !== undefined) head[chunked ? 'Transfer-Encoding' : 'Content-Length'] = chunked ? 'chunked' : String(body.length);
    let answered = false;
    const sending = request({ host: '127.0.0.1', port, method, path, headers: head, agent, timeout: 10_000 }, (response) => {
      answered = true;
      const pieces: Buffer[] = [];
      response.on('data', (piece: Buffer) => pieces.push(piece));
      response.on('error', reject);
      response.on('aborted', () => reject(new Error(`the answer to ${method} ${path} was cut short`)));
      response.on('end', () => {
        const bytes = Buffer.concat(pieces);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes, text: bytes.toString('utf8') });
      });
    });
    sending.on('timeout', () => sending.destroy(new Error(`no answer within 10 s to ${method} ${path.slice(0, 200)}`)));
    // The app may answer (a 413, a 415) and close before it has read the whole body: not an error once answered.
    sending.on('error', (error) => (answered ? undefined : reject(error)));
    if (body !== undefined && body.length > 0) {
      const half = chunked ? Math.floor(body.length / 2) : body.length;
      sending.write(body.subarray(0, half));
      if (half < body.length) sending.write(body.subarray(half));
    }
    sending.end();
  });
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const json = (answer: Answer): Record<string, unknown> => JSON.parse(answer.text) as Record<string, unknown>;

/** Decodes percent-escapes as Hono does for `c.req.path`: the valid runs of them, the rest kept as sent. */
function decodedAsHono(path: string): string {
  const decode = (text: string) => decodeURI(text.includes('%25') ? text.replace(/%25/g, '%2525') : text);
  try {
    return decode(path);
  } catch {
    return path.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decode(run);
      } catch {
        return run;
      }
    });
  }
}

/** The path the app routes a request target by: normalised as a URL (dot segments, `%2e`), then decoded. */
const appPath = (target: string): string => decodedAsHono(new URL(`http://localhost${target}`).pathname);

/**
 * The keys of the error body the contract names for an answer on this path: `err_msg` under
 * /messages (that seed's contract), `error` everywhere else, and for a job's result that is not
 * there the seed's `message` ("not found") beside it. "Under /messages" is `/messages` and the
 * paths below it: `/messagesx` (a 404) is another path, and answers `error`.
 */
function errorKeys(target: string, status: number): Array<'err_msg' | 'message' | 'error'> {
  const path = appPath(target);
  if (path === '/messages' || path.startsWith('/messages/')) return ['err_msg'];
  if (status === 404 && /^\/(file|evensum|randomize)\/[^/]+\/result$/.test(path)) return ['error', 'message'];
  return ['error'];
}

/** The 4xx answer carries the error body of its route, with a message; a 405 says which methods the path takes, not this one. */
function expectErrorBody(exchange: Exchange, answer: Answer): void {
  const context = `${exchange.method} ${exchange.path.slice(0, 300)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.status, context).toBeLessThan(500);
  if (exchange.method === 'HEAD') return; // an answer to HEAD has no body
  expect(answer.headers['content-type'], context).toMatch(/^application\/json/);
  const keys = errorKeys(exchange.path, answer.status);
  const body = json(answer);
  expect(Object.keys(body), context).toEqual(keys);
  for (const key of keys) {
    expect(typeof body[key], context).toBe('string');
    expect((body[key] as string).length, context).toBeGreaterThan(0);
  }
  if (answer.status === 405) {
    const allowed = (answer.headers.allow ?? '').split(', ');
    expect(allowed.length, context).toBeGreaterThan(0);
    expect(allowed, context).not.toContain(exchange.method);
  }
}

async function expectAlive(): Promise<void> {
  const health = await send({ method: 'GET', path: '/healthz' });
  expect(health.status).toBe(200);
  expect(json(health)).toEqual({ status: 'ok' });
}

// ---- generators ------------------------------------------------------------------------------

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/**
 * One path segment: encoded unicode, dot segments plain and encoded, broken escapes, raw punctuation, long ones.
 * ASCII only, as HTTP has it and as Node's HTTP client writes it: a raw byte over 0x7f in the request line (and a
 * raw backslash) is refused before the app routes the request, and malformedRequests.test.ts sends those by hand.
 */
const segment = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom('', '.', '..', '%2e', '%2e%2e', '%2E%2E', '.%2e', '%00', '%', '%ZZ', '%FF', '%C3', '%C3%28', '%25', '%2525', '%2F', '%5C', '%0A', '%20', ';', '~', '*', ':x', '__proto__', '%C3%A9', '%FF%FE'),
  fc.string({ unit: fc.constantFrom(...'!"$&\'()*+,-.:;<=>@[]^_`{|}~%aZ09'), maxLength: 8 }),
  fc.integer({ min: 121, max: 4000 }).map((length) => 'x'.repeat(length)),
  fc.stringMatching(/^[0-9a-f]{32}$/),
  fc.stringMatching(/^[0-9a-fA-F]{64}$/),
);

/** The app's routes, with their parameters (and sometimes more) filled by generated segments. */
const routePath = fc
  .tuple(
    fc.constantFrom('/', '/messages', '/messages/@', '/file', '/file/@/status', '/file/@/result', '/evensum', '/evensum/@/status', '/evensum/@/result', '/randomize', '/randomize/@/status', '/randomize/@/result', '/multivac', '/multivac/data', '/counters', '/healthz', '/readyz', '/metrics', '/openapi.json'),
    segment,
    fc.constantFrom('', '', '', '/', '//', '/x', '/..', '/.'),
  )
  .map(([route, parameter, tail]) => route.replace('@', parameter) + tail);

const randomPath = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
  fc.webPath().map((path) => (path.startsWith('/') ? path : `/${path}`)),
);

const query = fc.oneof(
  fc.constant(''),
  fc.webQueryParameters().map((text) => `?${text}`),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((user) => `?user=${encodeURIComponent(user)}`),
  fc.constantFrom('?', '?user=a&user=b', '?user=', '?#', '#x', '?user=%FF'),
);

const target = fc.tuple(fc.oneof({ weight: 3, arbitrary: routePath }, { weight: 1, arbitrary: randomPath }), query).map(([path, rest]) => path + rest);

/** What a Content-Type header may say: the ones the routes take (with parameters), others, garbage. */
const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/vnd.api+json',
      'application/json;charset=utf-8;x',
      'application/jsonx',
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'multipart/form-data; boundary=XyZ',
      'multipart/form-data',
      'text/plain',
      'TEXT/PLAIN',
      'text/plain;charset=utf-8',
      'text/plain; name=json',
      'application/octet-stream',
      'Application/Octet-Stream; x=y',
      'image/png',
      'IMAGE/PNG',
      'image/png; q=1',
      'text/html',
      '',
      ';',
      '*/*',
    ),
    fc.tuple(fc.constantFrom('application/json', 'text/plain', 'image/png', 'application/x-www-form-urlencoded'), fc.string({ maxLength: 20 })).map(([type, parameter]) => `${type};${parameter}`),
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 100, maxLength: 2000 }),
  ),
  { nil: undefined },
);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A JSON object with the keys the routes read (message, path, data), each of any JSON type. */
const rightKeysAnyTypes = fc.record({ message: fc.jsonValue(), path: fc.jsonValue(), data: fc.jsonValue() }, { requiredKeys: [] });

const body = fc.option(
  fc.oneof(
    fc.uint8Array({ maxLength: 4096 }),
    fc.jsonValue().map((value) => utf8(JSON.stringify(value) ?? 'null')),
    rightKeysAnyTypes.map((value) => utf8(JSON.stringify(value))),
    fc.constant(new Uint8Array(0)),
    fc.string({ unit: 'grapheme', maxLength: 200 }).map((data) => utf8(new URLSearchParams({ data }).toString())),
    fc.string({ unit: 'grapheme', maxLength: 200 }).map((data) => utf8(`--XyZ\r\nContent-Disposition: form-data; name="data"\r\n\r\n${data}\r\n--XyZ--\r\n`)),
    fc.uint8Array({ maxLength: 512 }).map((rest) => Buffer.concat([PNG_SIGNATURE, rest])),
  ),
  { nil: undefined },
);

const anyRequest = fc.record({
  method: fc.constantFrom(...METHODS),
  path: target,
  contentType,
  contentEncoding: fc.option(fc.constantFrom('identity', 'gzip', 'IDENTITY', ' '), { nil: undefined, freq: 8 }),
  accept: fc.option(fc.constantFrom('application/json', '*/*', 'text/html'), { nil: undefined }),
  body,
  chunked: fc.boolean(),
});

// ---- properties ------------------------------------------------------------------------------

describe('the HTTP API, fuzzed (property-based, against the real app)', () => {
  it(
    'answers any request (any method, path, Content-Type, body) below 500, every 4xx with the error body its route names and a message, and stays up',
    async () => {
      await fc.assert(
        fc.asyncProperty(anyRequest, async (generated) => {
          const headers: Record<string, string> = {};
          if (generated.contentType !== undefined) headers['Content-Type'] = generated.contentType;
          if (generated.contentEncoding !== undefined) headers['Content-Encoding'] = generated.contentEncoding;
          if (generated.accept !== undefined) headers.Accept = generated.accept;
          const exchange: Exchange = { method: generated.method, path: generated.path, headers, body: generated.body, chunked: generated.chunked };
          const answer = await send(exchange);
          const context = `${exchange.method} ${exchange.path.slice(0, 300)} → ${answer.status} ${answer.text.slice(0, 300)}`;
          expect(answer.status, context).toBeLessThan(500);
          expect([200, 201, 400, 403, 404, 405, 413, 415], context).toContain(answer.status);
          if (answer.status >= 400) expectErrorBody(exchange, answer);
          await expectAlive();
        }),
        propertySettings(200),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'judges Content-Encoding by the body: one sent with a coding other than identity gets 415 naming it, whatever the method or path; a request without a body is answered as without the header',
    async () => {
      const coding = fc.constantFrom('gzip', 'br', 'deflate', 'x-custom', 'GZIP');
      const codedRequest = fc.record({
        method: fc.constantFrom(...METHODS),
        path: target,
        coding,
        body: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
        chunked: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(codedRequest, async ({ method, path, coding: sent, body, chunked }) => {
          const coded: Exchange = { method, path, headers: { 'Content-Encoding': sent }, body, chunked };
          const answer = await send(coded);
          const context = `${method} ${path.slice(0, 300)} (Content-Encoding: ${sent}${body ? `, ${body.length} bytes` : ', no body'}) → ${answer.status} ${answer.text.slice(0, 300)}`;
          if (body !== undefined) {
            expect(answer.status, context).toBe(415);
            expectErrorBody(coded, answer);
            if (method !== 'HEAD') expect(Object.values(json(answer)), context).toEqual([`Content-Encoding "${sent.toLowerCase()}" is not accepted: send the body uncompressed`]);
          } else {
            const plain = await send({ method, path });
            expect(answer.status, context).toBe(plain.status);
          }
        }),
        propertySettings(100),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'loses no message: each one accepted with 201 comes back byte for byte under its digest, the sha256 hex of its UTF-8 bytes; one with a lone surrogate is refused with 400, one over JSON_BODY_LIMIT with 413',
    async () => {
      const message = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.constantFrom('', ' ', '\u0000', '\uFEFF', '\uFEFFfoo', '\r\n', '"\\', '\u2028\u2029', '💩'.repeat(3)),
        // Lone surrogates (JSON escapes such as \ud800 that name no character) have no UTF-8 form:
        // a message holding one is refused, as it could only be stored as another (U+FFFD).
        fc.string({ unit: fc.oneof(fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 }),
      ).map((text) => ({ text }));
      // Long ones, around the body limit (JSON_BODY_LIMIT bytes of body and a little over), built in the run.
      const longMessage = fc.record({ unit: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), bytes: fc.integer({ min: 1, max: JSON_BODY_LIMIT }) });
      const messageSpec = fc.oneof(message, longMessage);
      // The same message as JSON may be written plainly or with every non-ASCII character escaped.
      const asciiJson = (text: string) => JSON.stringify({ message: text }).replace(/[\u007f-\uffff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
      await fc.assert(
        fc.asyncProperty(messageSpec, fc.boolean(), fc.boolean(), async (spec, escaped, chunked) => {
          const text = 'text' in spec ? spec.text : spec.unit.repeat(Math.max(1, Math.floor(spec.bytes / Buffer.byteLength(spec.unit))));
          const payload = utf8(escaped ? asciiJson(text) : JSON.stringify({ message: text }));
          const answer = await send({ method: 'POST', path: '/messages', headers: { 'Content-Type': 'application/json' }, body: payload, chunked });
          if (payload.length > JSON_BODY_LIMIT) {
            expect(answer.status).toBe(413);
            expect(json(answer)).toEqual({ err_msg: `request body exceeds the limit of ${JSON_BODY_LIMIT} bytes` });
            return;
          }
          if (/[\uD800-\uDFFF]/u.test(text)) {
            expect(answer.status).toBe(400);
            expect((json(answer) as { err_msg: string }).err_msg).toMatch(/^message: not well-formed Unicode: it holds a lone surrogate/);
            return;
          }
          expect(answer.status, answer.text.slice(0, 300)).toBe(201);
          const { digest } = json(answer) as { digest: string };
          expect(digest).toBe(sha256Hex(utf8(text)));
          for (const asked of [digest, digest.toUpperCase()]) {
            const back = await send({ method: 'GET', path: `/messages/${asked}` });
            expect(back.status).toBe(200);
            const stored = (json(back) as { message: string }).message;
            expect(utf8(stored).equals(utf8(text))).toBe(true);
          }
        }),
        propertySettings(150),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers POST /multivac/data with 200 "MultiVAC updated!" and queues the datum as sent when its form field data has 1 to 65,536 characters, else 400 with an error (413 over JSON_BODY_LIMIT), queuing nothing',
    async () => {
      const datum = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 100 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.constantFrom('', ' ', '\r\n', '&', '=', '+', '%', 'a\r\nb', '\uFEFF', 'let there be light'),
      );
      // Around the limit: built in the run, so that a failure prints a length, not 65,536 characters.
      const datumSpec = fc.oneof(datum.map((text) => ({ text })), fc.integer({ min: MULTIVAC_DATUM_LIMIT - 2, max: MULTIVAC_DATUM_LIMIT + 2 }).map((length) => ({ xs: length })));
      const form = fc.constantFrom('urlencoded', 'multipart', 'missing field', 'field twice');
      await fc.assert(
        fc.asyncProperty(datumSpec, form, async (spec, kind) => {
          const data = 'text' in spec ? spec.text : 'x'.repeat(spec.xs);
          const boundary = 'fuzz-boundary-7d3a';
          const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n${data}\r\n--${boundary}--\r\n`;
          const [contentTypeSent, sent] =
            kind === 'multipart'
              ? [`multipart/form-data; boundary=${boundary}`, multipart]
              : ['application/x-www-form-urlencoded', kind === 'urlencoded' ? new URLSearchParams({ data }).toString() : kind === 'missing field' ? new URLSearchParams({ datum: data }).toString() : new URLSearchParams([['data', data], ['data', data]]).toString()];
          const waitingBefore = await redis.llen('bull:multivac:wait');
          const exchange: Exchange = { method: 'POST', path: '/multivac/data', headers: { 'Content-Type': contentTypeSent }, body: utf8(sent) };
          const answer = await send(exchange);
          if (exchange.body !== undefined && exchange.body.length > JSON_BODY_LIMIT) {
            expect(answer.status).toBe(413);
            expect(json(answer)).toEqual({ error: `request body exceeds the limit of ${JSON_BODY_LIMIT} bytes` });
            expect(await redis.llen('bull:multivac:wait')).toBe(waitingBefore);
            return;
          }
          // A multipart field's text is decoded as UTF-8 with its leading byte-order mark dropped
          // (Response.formData()'s parser, which the app keeps): the datum is what remains.
          const received = kind === 'multipart' ? data.replace(/^\uFEFF/, '') : data;
          const acceptable = (kind === 'urlencoded' || kind === 'multipart') && received.length >= 1 && received.length <= MULTIVAC_DATUM_LIMIT;
          if (!acceptable) {
            expect(answer.status, answer.text.slice(0, 300)).toBe(400);
            expectErrorBody(exchange, answer);
            expect(await redis.llen('bull:multivac:wait')).toBe(waitingBefore);
            return;
          }
          expect(answer.status, answer.text.slice(0, 300)).toBe(200);
          expect(json(answer)).toEqual({ response: 'MultiVAC updated!' });
          // The datum is in the queue as it was sent (the newest job waiting).
          expect(await redis.llen('bull:multivac:wait')).toBe(waitingBefore + 1);
          const [newest] = await redis.lrange('bull:multivac:wait', 0, 0);
          const queued = JSON.parse((await redis.hget(`bull:multivac:${newest}`, 'data')) ?? 'null') as { data: string };
          expect(queued.data === received, `queued ${JSON.stringify(queued.data.slice(0, 80))}, sent ${JSON.stringify(data.slice(0, 80))}`).toBe(true);
        }),
        propertySettings(100),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers GET / with 200 for a valid user id (query, else X-User-Id, else anonymous) and counts exactly one visit for that user; a bad one gets 400 and counts none',
    async () => {
      const userAlphabet = [...'ABCXYZabcxyz0189._@-'];
      const userValue = fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9._@-]{1,64}$/),
        fc.string({ unit: fc.constantFrom(...userAlphabet), minLength: 60, maxLength: 70 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 10 }),
        fc.constantFrom('', 'anonymous', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a b', 'a+b', 'alice', 'ALICE'),
      );
      const counters = async (): Promise<Record<string, number>> => (json(await send({ method: 'GET', path: '/counters' })) as { counters: Record<string, number> }).counters;
      await fc.assert(
        fc.asyncProperty(
          fc.option(userValue, { nil: undefined }),
          fc.option(fc.oneof(userValue.filter((value) => /^[\t\x20-\x7e]*$/.test(value))), { nil: undefined }),
          fc.boolean(),
          async (queryUser, headerUser, wantsJson) => {
            const headers: Record<string, string> = wantsJson ? { Accept: 'application/json' } : {};
            if (headerUser !== undefined) headers['X-User-Id'] = headerUser;
            const path = queryUser === undefined ? '/' : `/?user=${encodeURIComponent(queryUser)}`;
            const before = await counters();
            const answer = await send({ method: 'GET', path, headers });
            // Node's parser trims a header value's blanks before the app sees it.
            const headerSeen = headerUser?.replace(/^[\t ]+|[\t ]+$/g, '');
            const valid = (queryUser === undefined || USER_PATTERN.test(queryUser)) && (headerSeen === undefined || USER_PATTERN.test(headerSeen));
            if (!valid) {
              expect(answer.status, answer.text).toBe(400);
              expectErrorBody({ method: 'GET', path }, answer);
              expect(await counters()).toEqual(before);
              return;
            }
            const user = queryUser ?? headerSeen ?? 'anonymous';
            const expected = (Object.hasOwn(before, user) ? (before[user] as number) : 0) + 1;
            expect(answer.status, answer.text).toBe(200);
            expect(answer.headers['x-user']).toBe(user);
            expect(answer.headers['x-request-count']).toBe(String(expected));
            if (wantsJson) expect(json(answer)).toEqual({ message: 'Hello world!', user, count: expected });
            else expect(answer.text).toBe('Hello world!');
            expect(await counters()).toEqual({ ...before, [user]: expected });
          },
        ),
        propertySettings(150),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  /** Paths whose answer the README's **Paths** spells out, in the data directory made above (`out` is a symlink to its parent). */
  const DOCUMENTED_PATHS: Record<string, number> = {
    'a.txt': 201,
    'sub/b.txt': 201,
    './a.txt': 201,
    'sub/../a.txt': 201,
    'out/data/a.txt': 201, // out through a symlink and back in: its real location is inside
    'out/uploads': 403, // its real location is outside
    'x/../a.txt': 404, // resolved name by name: there is no x
    'missing.txt': 404,
    'a.txt/': 400,
    'a.txt/.': 400,
    'sub': 400,
    'sub/': 400,
    '.': 400,
    'sub/..': 400,
    '': 400,
    'a\u0000b': 400,
    [`${'x'.repeat(256)}`]: 400, // a name over 255 bytes
    [`${'x/'.repeat(2048)}`]: 400, // PATH_MAX
    '/etc/passwd': 400,
    '../data/a.txt': 403, // climbs out as written, even where it comes back
  };

  it(
    'answers POST /file with a path below 500: one that climbs out of DATA_DIR gets 403, an absolute one 400, a missing one 404, a file 201 with a token',
    async () => {
      const name = fc.oneof(fc.constantFrom('a.txt', 'sub', 'b.txt', 'out', 'missing', '.', 'x', 'passwd', '...', ' ', 'a.txt '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((text) => !text.includes('/') && text !== '..'));
      /** Some names, then more `..` than names before them: out of the data directory as written. */
      const climbingOut = fc
        .tuple(fc.array(name.filter((text) => text !== '.'), { maxLength: 3 }), fc.integer({ min: 1, max: 3 }), fc.array(name, { maxLength: 3 }))
        .map(([down, extra, rest]) => [...down, ...Array.from({ length: down.length + extra }, () => '..'), ...rest].join('/'));
      const absolute = fc.array(name, { maxLength: 3 }).map((names) => `/${names.join('/')}`);
      const anyPath = fc.oneof(
        fc.array(fc.oneof(name, fc.constantFrom('..', '.', '', 'out', 'sub')), { minLength: 1, maxLength: 5 }).map((names) => names.join('/')),
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom(...Object.keys(DOCUMENTED_PATHS)),
      );
      const path = fc.oneof(
        climbingOut.map((text) => ({ text, kind: 'out' as const })),
        absolute.map((text) => ({ text, kind: 'absolute' as const })),
        anyPath.map((text) => ({ text, kind: 'any' as const })),
      );
      await fc.assert(
        fc.asyncProperty(path, async ({ text, kind }) => {
          const exchange: Exchange = { method: 'POST', path: '/file', headers: { 'Content-Type': 'application/json' }, body: utf8(JSON.stringify({ path: text })) };
          const answer = await send(exchange);
          const context = `${JSON.stringify(text.slice(0, 200))} → ${answer.status} ${answer.text.slice(0, 300)}`;
          if (answer.status === 201) expect(json(answer), context).toEqual({ token: expect.stringMatching(/^[0-9a-f]{32}$/) });
          else expectErrorBody(exchange, answer);
          expect([201, 400, 403, 404], context).toContain(answer.status);
          const tooLongOrNul = text.includes('\0') || Buffer.byteLength(text) >= 4096;
          if (kind === 'out' && !tooLongOrNul) expect(answer.status, context).toBe(403);
          if (kind === 'absolute' && !tooLongOrNul) expect(answer.status, context).toBe(400);
          if (Object.hasOwn(DOCUMENTED_PATHS, text)) expect(answer.status, context).toBe(DOCUMENTED_PATHS[text]);
        }),
        propertySettings(150),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers POST /file with any body and Content-Type below 500: a non-empty upload gets 201, an empty one 400, a type it does not take 415',
    async () => {
      await fc.assert(
        fc.asyncProperty(contentType, fc.oneof(fc.uint8Array({ maxLength: 4096 }), rightKeysAnyTypes.map((value) => utf8(JSON.stringify(value)))), fc.boolean(), async (type, bytes, chunked) => {
          const exchange: Exchange = { method: 'POST', path: '/file', headers: type === undefined ? {} : { 'Content-Type': type }, body: bytes, chunked };
          const answer = await send(exchange);
          const context = `${JSON.stringify(type)} ${bytes.length} bytes → ${answer.status} ${answer.text.slice(0, 300)}`;
          expect([201, 400, 403, 404, 415], context).toContain(answer.status);
          if (answer.status >= 400) expectErrorBody(exchange, answer);
          const mediaType = (type ?? '').split(';')[0]?.trim().toLowerCase();
          if (type === undefined || type === '') expect(answer.status, context).toBe(415);
          // The JSON form is judged on its path (the property above); an upload on its bytes.
          else if (/^application\/([a-z-.]+\+)?json/i.test(type)) expect([201, 400, 403, 404, 415], context).toContain(answer.status);
          else if (mediaType === 'text/plain' || mediaType === 'application/octet-stream') expect(answer.status, context).toBe(bytes.length > 0 ? 201 : 400);
        }),
        propertySettings(120),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'answers POST /randomize with any body below 500: every well-formed PNG gets 201 with a token, anything else a 400 or 413 with an error',
    async () => {
      const header = fc
        .constantFrom<[number, number]>([0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 8], [2, 16], [3, 1], [3, 2], [3, 4], [3, 8], [4, 8], [4, 16], [6, 8], [6, 16])
        .chain(([colourType, bitDepth]) =>
          fc.record({ width: fc.integer({ min: 1, max: 70 }), height: fc.integer({ min: 1, max: 70 }), bitDepth: fc.constant(bitDepth), colourType: fc.constant(colourType), interlaced: fc.boolean() }),
        );
      const wellFormed = header.map((h: HandmadeHeader) => ({ bytes: handmadePng(h), wellFormed: true }));
      /** A well-formed PNG changed: bytes flipped, cut, inserted; the CRCs then mostly fail. */
      const mutated = fc
        .tuple(header, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), { minLength: 1, maxLength: 4 }))
        .map(([h, edits]) => {
          let bytes = Buffer.from(handmadePng(h));
          for (const [at, value, edit] of edits) {
            const i = at % (bytes.length + 1);
            if (edit === 'set' && i < bytes.length) bytes[i] = value;
            else if (edit === 'cut') bytes = bytes.subarray(0, i);
            else bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([value]), bytes.subarray(i)]);
          }
          return { bytes, wellFormed: false };
        });
      /** Valid chunks and CRCs around image data and chunks that are anything: the decoder's checks, not the CRC's. */
      const validChunksOddContent = fc
        .tuple(
          fc.record({ width: fc.integer({ min: 1, max: 40 }), height: fc.integer({ min: 1, max: 40 }), bitDepth: fc.constantFrom(1, 2, 4, 8, 16), colourType: fc.constantFrom(0, 2, 3, 4, 6), interlaced: fc.boolean() }),
          fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 2000 }).map((raw) => deflateSync(raw))),
          fc.array(fc.tuple(fc.constantFrom('PLTE', 'tEXt', 'IDAT', 'IHDR', 'IEND', 'tRNS', 'aBcD', 'ABCD', 'gAMA'), fc.uint8Array({ maxLength: 64 })), { maxLength: 3 }),
          fc.nat(),
          fc.option(fc.integer({ min: 1, max: 256 }), { nil: undefined }),
        )
        .map(([h, idat, extra, where, paletteEntries]) => {
          const png = assemblePng(h, idat, { paletteEntries, idatSize: 100 });
          // Extra chunks go between two chunks: after the signature and IHDR at the earliest.
          const boundaries: number[] = [];
          for (let at = 8; at + 8 <= png.length; at += 12 + png.readUInt32BE(at)) boundaries.push(at);
          const at = boundaries.length > 1 ? (boundaries[1 + (where % (boundaries.length - 1))] as number) : png.length;
          return { bytes: Buffer.concat([png.subarray(0, at), ...extra.map(([type, data]) => pngChunk(type, data)), png.subarray(at)]), wellFormed: false };
        });
      const notPng = fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 64 }).map((rest) => Buffer.concat([PNG_SIGNATURE, rest]))).map((bytes) => ({ bytes: Buffer.from(bytes), wellFormed: false }));
      const upload = fc.oneof(wellFormed, mutated, validChunksOddContent, notPng);
      const type = fc.oneof({ weight: 5, arbitrary: fc.constant('image/png') }, { weight: 1, arbitrary: contentType });
      await fc.assert(
        fc.asyncProperty(upload, type, fc.boolean(), async ({ bytes, wellFormed }, contentTypeSent, chunked) => {
          const exchange: Exchange = { method: 'POST', path: '/randomize', headers: contentTypeSent === undefined ? {} : { 'Content-Type': contentTypeSent }, body: bytes, chunked };
          const answer = await send(exchange);
          const context = `${JSON.stringify(contentTypeSent)} ${bytes.subarray(0, 64).toString('hex')}… (${bytes.length} bytes) → ${answer.status} ${answer.text.slice(0, 300)}`;
          expect([201, 400, 413], context).toContain(answer.status);
          if (answer.status >= 400) expectErrorBody(exchange, answer);
          else expect(json(answer), context).toEqual({ token: expect.stringMatching(/^[0-9a-f]{32}$/) });
          const isPngType = (contentTypeSent ?? '').split(';')[0]?.trim().toLowerCase() === 'image/png';
          if (wellFormed && isPngType) expect(answer.status, context).toBe(201);
          if (!isPngType) expect(answer.status, context).toBe(400);
        }),
        propertySettings(200),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  describe('cases the properties found', () => {
    // The shrunk counterexample was `GET //.?` (the URL makes it `//`): the router has no `//` and
    // no `/healthz/`, but the 405 check took a trailing slash as the route's path, and answered
    // that GET was not allowed on a path that takes GET. Paths are now as strict there as in the
    // router: a trailing slash is a path no route has, whatever the method.
    it.each([
      ['GET', '//', { error: 'no route for GET //' }],
      ['GET', '//.?', { error: 'no route for GET //' }],
      ['GET', '/healthz/', { error: 'no route for GET /healthz/' }],
      ['DELETE', '/healthz/', { error: 'no route for DELETE /healthz/' }],
      ['POST', '/messages/', { err_msg: 'no route for POST /messages/' }],
      ['GET', '/file/0123/status/', { error: 'no route for GET /file/0123/status/' }],
    ])('answers %s %s, a route up to a trailing slash, with 404 and no Allow', async (method, path, expected) => {
      const answer = await send({ method, path });
      expect(answer.status).toBe(404);
      expect(answer.headers.allow).toBeUndefined();
      expect(json(answer)).toEqual(expected);
    });

    it('answers a path that only begins like /messages with the error body of every other route', async () => {
      const answer = await send({ method: 'GET', path: '/messagesx' });
      expect(answer.status).toBe(404);
      expect(json(answer)).toEqual({ error: 'no route for GET /messagesx' });
    });
  });

  it('is still up after all of it: GET /healthz answers 200', async () => {
    await expectAlive();
    expect(sut.app.child.exitCode).toBeNull();
    expect(sut.app.output()).not.toMatch(/unhandled error/);
  });
});
