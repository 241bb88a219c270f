/**
 * A multipart/form-data part sent in a Content-Transfer-Encoding (base64, quoted-printable, ...)
 * is refused with 415 naming the header and its value: RFC 7578 §4.7 deprecates the header, a
 * part being its bytes as they are. The form parser decoded `base64` alone, and only so spelled,
 * and kept every other encoding as its encoded bytes: `Content-Transfer-Encoding: quoted-printable`
 * with `h=C3=A9` reached MultiVAC as `h=C3=A9`. The identity encodings (7bit, 8bit, binary, in any
 * case) say nothing of the bytes, and are taken as before. A refusal queues nothing, loses nothing
 * already learnt, and leaves no file behind.
 */
import { readdir } from 'node:fs/promises';
import { z } from '@hono/zod-openapi';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFormRequest } from '../../app/http/formBody.js';
import { nonIdentityTransferEncoding } from '../../app/http/multipartTransferEncoding.js';
import { startAppUnderTest, waitUntil, type AppUnderTest } from '../support/processes.js';

const MULTIPART = 'multipart/form-data; boundary=XyZ';
const Datum = z.object({ data: z.string().min(1) });

/** A part of a body framed by `XyZ`, with its header lines and its bytes. */
const part = (headers: string[], value: string) => `--XyZ\r\n${headers.join('\r\n')}\r\n\r\n${value}\r\n`;
/** The `data` field, with its Content-Disposition and any more header lines. */
const dataPart = (value: string, ...headers: string[]) => part(['Content-Disposition: form-data; name="data"', ...headers], value);
const multipart = (...parts: string[]) => `${parts.join('')}--XyZ--\r\n`;

const refusal = (value: string) =>
  `Content-Transfer-Encoding ${JSON.stringify(value)} is not accepted on a multipart/form-data part: send the part's bytes as they are, unencoded (RFC 7578 §4.7)`;

describe('a multipart part in a transfer encoding, as a rule', () => {
  it.each([
    ['base64', 'c3RhcnM='],
    ['BASE64', 'c3RhcnM='],
    ['quoted-printable', 'h=C3=A9'],
    ['Quoted-Printable', 'h=C3=A9'],
    ['x-uuencode', 'begin 644 data'],
  ])('refuses Content-Transfer-Encoding: %s with 415 naming it as sent', async (encoding, value) => {
    expect(await parseFormRequest(MULTIPART, Buffer.from(multipart(dataPart(value, `Content-Transfer-Encoding: ${encoding}`))), Datum))
      .toEqual({ ok: false, status: 415, message: refusal(encoding) });
  });

  it.each(['7bit', '8bit', 'binary', '7BIT', '8Bit', 'BINARY', ' binary\t', ''])('takes Content-Transfer-Encoding: %j, the part as sent', async (encoding) => {
    expect(await parseFormRequest(MULTIPART, Buffer.from(multipart(dataPart('c3RhcnM=', `Content-Transfer-Encoding:${encoding}`))), Datum))
      .toEqual({ ok: true, value: { data: 'c3RhcnM=' } });
  });

  it('judges every part: a later one, a file, and a part that names an identity encoding and then another', () => {
    const field = dataPart('stars');
    expect(nonIdentityTransferEncoding(Buffer.from(multipart(field, part(['Content-Disposition: form-data; name="more"', 'Content-Transfer-Encoding: base64'], 'eA=='))), MULTIPART)).toBe('base64');
    expect(nonIdentityTransferEncoding(Buffer.from(multipart(part(['Content-Disposition: form-data; name="data"; filename="a.txt"', 'Content-Type: text/plain', 'content-transfer-encoding:  base64 '], 'eA=='))), MULTIPART)).toBe('base64');
    expect(nonIdentityTransferEncoding(Buffer.from(multipart(dataPart('x', 'Content-Transfer-Encoding: 8bit', 'Content-Transfer-Encoding: quoted-printable'))), MULTIPART)).toBe('quoted-printable');
  });

  it('reads headers only: a value that says "Content-Transfer-Encoding: base64" is a value', async () => {
    const body = multipart(dataPart('Content-Transfer-Encoding: base64\r\n\r\nc3RhcnM='));
    expect(await parseFormRequest(MULTIPART, Buffer.from(body), Datum)).toEqual({ ok: true, value: { data: 'Content-Transfer-Encoding: base64\r\n\r\nc3RhcnM=' } });
  });

  it('finds the parts by a quoted boundary, and after empty lines before the first', () => {
    const body = `\r\n\r\n${multipart(dataPart('eA==', 'Content-Transfer-Encoding: base64'))}`;
    expect(nonIdentityTransferEncoding(Buffer.from(body), 'multipart/form-data; boundary="XyZ"')).toBe('base64');
  });

  it('leaves a body that does not parse to the parser (400), and an urlencoded body alone', async () => {
    expect(await parseFormRequest(MULTIPART, Buffer.from('Content-Transfer-Encoding: base64\r\n\r\ngarbage'), Datum))
      .toEqual({ ok: false, status: 400, message: 'Malformed FormData request. Failed to parse body as FormData.' });
    expect(await parseFormRequest('application/x-www-form-urlencoded', Buffer.from('data=Content-Transfer-Encoding%3A%20base64'), Datum))
      .toEqual({ ok: true, value: { data: 'Content-Transfer-Encoding: base64' } });
  });
});

describe('POST /multivac/data with a part in a transfer encoding', () => {
  let sut: AppUnderTest;
  let multivac: Queue;
  beforeAll(async () => {
    sut = await startAppUnderTest({ redisDb: 10, worker: false });
    multivac = new Queue('multivac', { connection: { url: sut.env.REDIS_URL as string } });
  });
  afterAll(async () => {
    await multivac?.close();
    await sut?.stop();
  });

  const feed = (body: string, contentType = MULTIPART) => fetch(`${sut.url}/multivac/data`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  const ask = async () => (await fetch(`${sut.url}/multivac`)).text();
  const queued = async () => Object.values(await multivac.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')).reduce((sum, count) => sum + count, 0);

  it('MultiVAC has learnt a datum before', async () => {
    expect((await feed('data=entropy', 'application/x-www-form-urlencoded')).status).toBe(200);
    await sut.startWorker();
    await waitUntil('MultiVAC to learn the first datum', async () => (await ask()) === 'AFTER 1 DATA AND 1 DISTINCT WORDS, THE ANSWER IS: ENTROPY.');
  });

  it.each([
    ['base64', 'c3VwZXJub3Zh'],
    ['quoted-printable', 'super=20nova'],
  ])('refuses Content-Transfer-Encoding: %s with 415 naming it, and queues nothing', async (encoding, value) => {
    const before = await queued();
    const response = await feed(multipart(dataPart(value, `Content-Transfer-Encoding: ${encoding}`)));
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: refusal(encoding) });
    expect(await queued()).toBe(before);
  });

  it.each(['7bit', '8BIT', 'Binary'])('takes Content-Transfer-Encoding: %s, the part as sent', async (encoding) => {
    const response = await feed(multipart(dataPart('entropy stars', `Content-Transfer-Encoding: ${encoding}`)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response: 'MultiVAC updated!' });
  });

  it('learns the accepted data and nothing of the refused ones, and keeps what it had learnt', async () => {
    await waitUntil('the accepted data to be learnt', async () => (await ask()).startsWith('AFTER 4 DATA'));
    await waitUntil('the queue to be drained', async () => Object.values(await multivac.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((count) => count === 0));
    // With nothing left to run, no refused datum can come in later: neither "supernova" nor its encoded bytes are words MultiVAC knows.
    expect(await ask()).toBe('AFTER 4 DATA AND 2 DISTINCT WORDS, THE ANSWER IS: ENTROPY STARS.');
    expect((await multivac.getJobCounts('failed')).failed).toBe(0);
  });

  it('leaves no file in UPLOAD_DIR, nor does an upload route, which takes no multipart body (415 on its Content-Type)', async () => {
    const encoded = multipart(part(['Content-Disposition: form-data; name="file"; filename="numbers.txt"', 'Content-Transfer-Encoding: base64'], 'MiA0IDY='));
    expect((await feed(encoded)).status).toBe(415);
    for (const path of ['/file', '/evensum']) {
      const response = await fetch(`${sut.url}${path}`, { method: 'POST', headers: { 'Content-Type': MULTIPART }, body: encoded });
      expect(response.status, path).toBe(415);
    }
    expect(await readdir(sut.dirs.uploads)).toEqual([]);
  });
});
