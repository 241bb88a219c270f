import { deflateSync } from 'node:zlib';
import { PNG, type ColorType } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockSources, coordinatePng } from '../support/coordinatePng.js';
import { PNG_MAX_CHUNKS } from '../../app/image/pngInspection.js';
import { assemblePng, corruptPngs, handmadePng, pngChunk, sampledScanlines, type HandmadeHeader } from '../support/handmadePng.js';
import { startAppUnderTest, waitForJob, type AppUnderTest } from '../support/processes.js';

let sut: AppUnderTest;
beforeAll(async () => {
  sut = await startAppUnderTest({ redisDb: 3, env: { IMAGE_BODY_LIMIT: '2MB', IMAGE_MAX_PIXELS: '1000000' } });
});
afterAll(async () => sut?.stop());

const submit = (body: Uint8Array | string, contentType = 'image/png') =>
  fetch(`${sut.url}/randomize`, { method: 'POST', headers: { 'Content-Type': contentType }, body });

describe('POST /randomize and its job', () => {
  it('accepts a PNG with 201 and a 32-hex token, then goes requested → … → finished', async () => {
    const response = await submit(coordinatePng(250, 130));
    expect(response.status).toBe(201);
    const { token } = (await response.json()) as { token: string };
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const first = (await (await fetch(`${sut.url}/randomize/${token}/status`)).json()) as { status: string };
    expect(['requested', 'received', 'finished']).toContain(first.status);
    expect(await waitForJob(`${sut.url}/randomize/${token}/status`)).toEqual({ status: 'finished' });
  });

  it('answers the image with its complete 60×60 blocks shuffled and the partial edge blocks unchanged', async () => {
    const width = 250;
    const height = 130; // 4×2 complete blocks, a 10-pixel strip right and bottom
    const { token } = (await (await submit(coordinatePng(width, height))).json()) as { token: string };
    await waitForJob(`${sut.url}/randomize/${token}/status`);
    const result = await fetch(`${sut.url}/randomize/${token}/result`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('image/png');
    const image = PNG.sync.read(Buffer.from(await result.arrayBuffer()));
    expect([image.width, image.height]).toEqual([width, height]);
    // Throws unless every edge pixel is where it was and each complete block moved whole.
    const sources = blockSources(image, 60);
    expect(new Set(sources.map(({ x, y }) => `${x},${y}`)).size).toBe(8);
  });

  it('answers 404 {"message": "not found"} for the result of a token it does not know, its error saying so', async () => {
    const response = await fetch(`${sut.url}/randomize/${'0'.repeat(32)}/result`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: `unknown token: ${'0'.repeat(32)}`, message: 'not found' });
  });

  it.each([['a well-formed unknown token', '0123456789abcdef0123456789abcdef'], ['a malformed token', '../../etc/passwd'], ['a token too long', 'f'.repeat(200)]])(
    'answers 404 for the status of %s, never a 5xx',
    async (_case, token) => {
      const response = await fetch(`${sut.url}/randomize/${encodeURIComponent(token)}/status`);
      expect(response.status).toBe(404);
      expect(await response.json()).toHaveProperty('error');
    },
  );

  it('refuses a body whose Content-Type is not image/png with a 4xx and an error', async () => {
    const response = await submit(coordinatePng(10, 10), 'image/jpeg');
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(((await response.json()) as { error: string }).error).toMatch(/Content-Type/);
  });

  it('refuses bytes that are not a PNG with 400, whatever the Content-Type says', async () => {
    const response = await submit('GIF89a this is not a png');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/not a PNG/);
  });

  it('refuses a truncated PNG with 400', async () => {
    const png = coordinatePng(120, 120);
    const response = await submit(png.subarray(0, png.length - 30));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/corrupt PNG/);
  });

  it('refuses a PNG with a flipped bit (CRC mismatch) with 400', async () => {
    const png = Buffer.from(coordinatePng(120, 120));
    png[60] = (png[60] as number) ^ 0x40;
    const response = await submit(png);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/CRC|corrupt/);
  });

  it.each([[0, 8], [0, 16], [2, 8], [2, 16], [4, 8], [4, 16], [6, 8], [6, 16]] as const)(
    'accepts with 201 and finishes what pngjs writes with colour type %i, bit depth %i',
    async (colorType, bitDepth) => {
      const image = new PNG({ width: 70, height: 65 });
      for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 7) & 0xff;
      const response = await submit(PNG.sync.write(image, { colorType: colorType as ColorType, bitDepth, inputColorType: 6 }));
      expect(response.status).toBe(201);
      const { token } = (await response.json()) as { token: string };
      expect(await waitForJob(`${sut.url}/randomize/${token}/status`)).toEqual({ status: 'finished' });
    },
  );

  it.each([
    ['1-bit grayscale', { width: 70, height: 61, bitDepth: 1, colourType: 0 }],
    ['4-bit palette', { width: 70, height: 61, bitDepth: 4, colourType: 3 }],
    ['Adam7-interlaced 8-bit RGBA', { width: 125, height: 61, bitDepth: 8, colourType: 6, interlaced: true }],
    ['Adam7-interlaced 16-bit grayscale', { width: 61, height: 70, bitDepth: 16, colourType: 0, interlaced: true }],
  ] as Array<[string, HandmadeHeader]>)('accepts with 201 and finishes a handmade %s PNG', async (_kind, header) => {
    const response = await submit(handmadePng(header));
    expect(response.status).toBe(201);
    const { token } = (await response.json()) as { token: string };
    expect(await waitForJob(`${sut.url}/randomize/${token}/status`)).toEqual({ status: 'finished' });
  });

  it('answers a 16-bit image as 8-bit RGBA (the precision is not kept)', async () => {
    const image = new PNG({ width: 60, height: 60 });
    image.data.fill(200);
    const { token } = (await (await submit(PNG.sync.write(image, { colorType: 0, bitDepth: 16, inputColorType: 6 }))).json()) as { token: string };
    await waitForJob(`${sut.url}/randomize/${token}/status`);
    const result = Buffer.from(await (await fetch(`${sut.url}/randomize/${token}/result`)).arrayBuffer());
    expect([result[24], result[25]]).toEqual([8, 6]); // IHDR bit depth, colour type
  });

  describe.each([
    ['plain', { width: 120, height: 70, bitDepth: 8, colourType: 6 }, 'row 3', 33_670],
    ['Adam7-interlaced', { width: 120, height: 70, bitDepth: 8, colourType: 6, interlaced: true }, 'row 3 of Adam7 pass 1', 33_732],
  ] as Array<[string, HandmadeHeader, string, number]>)('refuses with 400, before any job, corrupt image data behind valid chunks and CRCs (%s)', (_kind, header, thirdRow, size) => {
    const corrupt = corruptPngs(header);
    const refused = async (png: Buffer) => {
      const response = await submit(png);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; token?: string };
      expect(body.token).toBeUndefined();
      return body.error;
    };
    const implied = `the header implies (120×70, colour type 6, bit depth 8${header.interlaced ? ', Adam7-interlaced' : ''})`;
    it('IDAT data that is not zlib', async () => expect(await refused(corrupt.notZlib)).toBe('corrupt PNG: the image data (IDAT) does not inflate (zlib: incorrect header check)'));
    it('IDAT data cut short inside the zlib stream', async () => expect(await refused(corrupt.truncatedZlib)).toBe('corrupt PNG: the image data (IDAT) does not inflate (zlib: unexpected end of file)'));
    it('IDAT data too short for the image', async () => expect(await refused(corrupt.tooShort)).toBe(`corrupt PNG: the image data (IDAT) inflates to ${size - 7} bytes, fewer than the ${size} ${implied}`));
    it('IDAT data too long for the image', async () => expect(await refused(corrupt.tooLong)).toBe(`corrupt PNG: the image data (IDAT) inflates to more than the ${size} bytes ${implied}`));
    it('a row filter type over 4 (the audit: "Unrecognised filter type - 16")', async () => expect(await refused(corrupt.badFilter)).toBe(`corrupt PNG: ${thirdRow} has filter type 16 (only 0–4 exist)`));
    it('bytes after the end of the zlib stream inside IDAT', async () => expect(await refused(corrupt.afterZlibStream)).toBe('corrupt PNG: the image data (IDAT) has 5 bytes after the end of its zlib stream'));
    it('bytes after IEND', async () => expect(await refused(corrupt.afterIend)).toBe('corrupt PNG: 14 bytes after the IEND chunk (it must be the last)'));
  });

  describe('a palette image whose PLTE has fewer entries than its bit depth can index (rows filtered, Paeth included)', () => {
    const h: HandmadeHeader = { width: 70, height: 61, bitDepth: 4, colourType: 3, interlaced: true };
    const paletteImage = (bad: boolean) =>
      assemblePng(h, deflateSync(sampledScanlines(h, (x, y) => (bad && x === 64 && y === 58 ? 11 : (x + y) % 11), (scanline) => scanline % 5)), { paletteEntries: 11 });

    it('is accepted with 201 and finished when every index is in the palette', async () => {
      const response = await submit(paletteImage(false));
      expect(response.status).toBe(201);
      const { token } = (await response.json()) as { token: string };
      expect(await waitForJob(`${sut.url}/randomize/${token}/status`)).toEqual({ status: 'finished' });
    });

    it('is refused with 400, before any job, when one pixel indexes past the palette', async () => {
      const response = await submit(paletteImage(true));
      expect(response.status).toBe(400);
      // (64, 58) is in Adam7 pass 5 (x 0, 2, 4, …; y 2, 6, 10, …): the 33rd pixel of its 15th row.
      expect(await response.json()).toEqual({ error: 'corrupt PNG: row 15 of Adam7 pass 5 has palette index 11 at its pixel 33, past the 11 entries of the PLTE chunk (0–10)' });
    });
  });

  it('refuses with 400, before any job, a valid PNG in more than PNG_MAX_CHUNKS chunks (a decoder pays per chunk)', async () => {
    const png = handmadePng({ width: 70, height: 61, bitDepth: 8, colourType: 2 });
    const afterIhdr = 8 + 12 + 13;
    const emptyIdat = pngChunk('IDAT');
    const inTinyChunks = Buffer.concat([png.subarray(0, afterIhdr), ...Array.from({ length: PNG_MAX_CHUNKS }, () => emptyIdat), png.subarray(afterIhdr)]);
    expect(inTinyChunks.length).toBeLessThan(2 * 1024 * 1024); // under IMAGE_BODY_LIMIT: the chunks are refused, not the size
    const response = await submit(inTinyChunks);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'the PNG has more than 100000 chunks, the most accepted (encoders write a few thousand at most): re-encode it' });
  });

  it('refuses an empty body with a 4xx', async () => {
    const response = await fetch(`${sut.url}/randomize`, { method: 'POST', headers: { 'Content-Type': 'image/png' } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('refuses a body over IMAGE_BODY_LIMIT with 413', async () => {
    const response = await submit(new Uint8Array(3 * 1024 * 1024));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/limit/);
  });

  it('refuses an image with more pixels than IMAGE_MAX_PIXELS (a decompression bomb) with 413', async () => {
    const response = await submit(coordinatePng(1200, 1000));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/pixels/);
  });
});
