import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../common/env.js';
import { checkRequestedPath } from '../../app/files/confinedPath.js';
import { shuffleBlocks, type RgbaImage } from '../../app/image/blockShuffle.js';
import { inspectPng } from '../../app/image/pngInspection.js';
import { assemblePng, handmadePng, pngChunk, rawScanlines } from '../support/handmadePng.js';
import { chunkFailure, describeJob, publicStatus } from '../../app/jobs/jobStatus.js';
import { INSUFFICIENT_DATA, multivacAnswer, wordsOf } from '../../app/multivac/answer.js';

describe('shuffleBlocks', () => {
  const image = (width: number, height: number) => {
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([i & 255, (i >> 8) & 255, (i >> 16) & 255, 255], i * 4);
    return { width, height, data };
  };

  it('permutes whole blocks: with a reversing random source the first and last blocks swap', () => {
    const source = image(4, 2); // two 2×2 blocks side by side
    const { image: out, blocksShuffled } = shuffleBlocks(source, 2, () => 0);
    expect(blocksShuffled).toBe(2);
    const pixel = (img: RgbaImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
    expect(pixel(out, 0, 0)).toEqual(pixel(source, 2, 0));
    expect(pixel(out, 3, 1)).toEqual(pixel(source, 1, 1));
  });

  it('leaves an image smaller than one block untouched', () => {
    const source = image(59, 200);
    const { image: out, blocksShuffled } = shuffleBlocks(source, 60, Math.random);
    expect(blocksShuffled).toBe(0);
    expect(out.data).toEqual(source.data);
  });

  it('never changes the multiset of pixels', () => {
    const source = image(130, 70);
    const { image: out } = shuffleBlocks(source, 60, Math.random);
    expect([...out.data].sort()).toEqual([...source.data].sort());
  });
});

describe('inspectPng', () => {
  const png = PNG.sync.write(Object.assign(new PNG({ width: 3, height: 2 }), {}));

  it('reads the size and the header of a whole PNG', () => {
    expect(inspectPng(png)).toMatchObject({ ok: true, width: 3, height: 2, header: { width: 3, height: 2, bitDepth: 8, colourType: 6, interlaced: false } });
  });
  it('hands over the data of every IDAT chunk, in order, as views into the input', () => {
    const idat = deflateSync(rawScanlines({ width: 40, height: 30, bitDepth: 8, colourType: 2 }));
    const result = inspectPng(assemblePng({ width: 40, height: 30, bitDepth: 8, colourType: 2 }, idat, { idatSize: 100 }));
    if (!result.ok) throw new Error(result.reason);
    const pieces = [...result.imageData];
    expect(pieces.length).toBe(Math.ceil(idat.length / 100));
    expect(Buffer.concat(pieces)).toEqual(idat);
  });
  it('refuses bytes after the IEND chunk', () => {
    expect(inspectPng(Buffer.concat([png, Buffer.from('trailing bytes')]))).toEqual({ ok: false, reason: 'corrupt PNG: 14 bytes after the IEND chunk (it must be the last)' });
  });
  it('refuses a bit depth that the colour type does not allow, and an unknown colour type', () => {
    expect(inspectPng(handmadePng({ width: 2, height: 2, bitDepth: 4, colourType: 2 }))).toMatchObject({ ok: false, reason: /bit depth 4 with colour type 2 \(allowed: 8, 16\)/ });
    expect(inspectPng(assemblePng({ width: 2, height: 2, bitDepth: 8, colourType: 5 }, deflateSync(Buffer.alloc(6))))).toMatchObject({ ok: false, reason: /no colour type 5/ });
  });
  it('refuses a palette image whose data comes before any PLTE', () => {
    const withPalette = handmadePng({ width: 2, height: 2, bitDepth: 8, colourType: 3 });
    const plte = withPalette.indexOf('PLTE') - 4;
    const withoutPalette = Buffer.concat([withPalette.subarray(0, plte), withPalette.subarray(plte + 12 + withPalette.readUInt32BE(plte))]);
    expect(inspectPng(withoutPalette)).toMatchObject({ ok: false, reason: /without a PLTE chunk/ });
  });
  it('refuses a critical chunk it does not know (a decoder must not show the image) and a second IHDR; takes unknown ancillary ones', () => {
    const header = { width: 2, height: 2, bitDepth: 8, colourType: 2 } as const;
    const plain = handmadePng(header);
    const iend = plain.length - 12;
    const withChunk = (type: string) => Buffer.concat([plain.subarray(0, iend), pngChunk(type, Buffer.from('x')), plain.subarray(iend)]);
    expect(inspectPng(withChunk('ABCD'))).toMatchObject({ ok: false, reason: /unknown critical chunk "ABCD" at byte \d+/ });
    expect(inspectPng(withChunk('abCD'))).toMatchObject({ ok: true });
    const ihdr = plain.subarray(8, 8 + 25);
    expect(inspectPng(Buffer.concat([plain.subarray(0, 33), ihdr, plain.subarray(33)]))).toMatchObject({ ok: false, reason: /a second IHDR chunk at byte 33/ });
  });
  it('refuses an empty buffer', () => expect(inspectPng(Buffer.alloc(0))).toMatchObject({ ok: false, reason: /signature/ }));
  it('refuses a JPEG', () => expect(inspectPng(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]))).toMatchObject({ ok: false }));
  it('refuses a PNG cut anywhere', () => {
    for (let cut = 8; cut < png.length; cut++) expect(inspectPng(png.subarray(0, cut)).ok, `cut at ${cut}`).toBe(false);
  });
});

describe('checkRequestedPath (which names a client may use)', () => {
  it.each(['a.txt', 'dir/a.txt', './a.txt', 'dir/../a.txt', '..a', 'a..b'])('accepts %s', (path) => expect(checkRequestedPath(path).ok).toBe(true));
  it.each([['/etc/passwd', 400], ['', 400], ['a\0b', 400], ['..', 403], ['../a', 403], ['dir/../../a', 403]] as const)('refuses %j with %i', (path, status) => {
    expect(checkRequestedPath(path)).toMatchObject({ ok: false, status });
  });
});

describe('job status', () => {
  it.each([['waiting', 'requested'], ['prioritized', 'requested'], ['delayed', 'requested'], ['waiting-children', 'requested'], ['active', 'received'], ['completed', 'finished'], ['failed', 'errored']])(
    'maps BullMQ %s to %s',
    (state, status) => expect(publicStatus(state)).toBe(status),
  );

  it('gives the error of an errored job and the progress of a running one', () => {
    expect(describeJob({ state: 'failed', progress: 0, failedReason: 'bad token', acceptedAt: 0, attemptsMade: 1 })).toEqual({ status: 'errored', error: 'bad token' });
    expect(describeJob({ state: 'active', progress: { bytesDone: 5, bytesTotal: 10 }, acceptedAt: 0, attemptsMade: 0 })).toEqual({ status: 'received', progress: { bytesDone: 5, bytesTotal: 10 } });
  });

  it("names a failed chunk of a file job (1-based, bytes inclusive) before the chunk's own reason", () => {
    const reason = 'a token starting at byte 0 is longer than 15728640 bytes';
    expect(chunkFailure({ index: 0, count: 3, range: { start: 0, end: 16_777_216 } }, reason)).toBe(`chunk 1 of 3 (bytes 0–16777215): ${reason}`);
    expect(chunkFailure({ index: 2, count: 3, range: { start: 33_554_432, end: 40_000_000 } }, 'no such file')).toBe('chunk 3 of 3 (bytes 33554432–39999999): no such file');
    expect(chunkFailure({ index: 0, count: 1, range: { start: 0, end: 0 } }, 'gone')).toBe('chunk 1 of 1 (no bytes): gone');
  });
});

describe('MultiVAC answer rule', () => {
  const knowledge = { dataProcessed: 0, distinctWords: 0, topWords: [], knowsTheLastAnswer: false };
  it('has insufficient data until a datum is processed', () => expect(multivacAnswer(knowledge)).toBe(INSUFFICIENT_DATA));
  it('answers with the most frequent words, in order', () => {
    expect(multivacAnswer({ ...knowledge, dataProcessed: 2, distinctWords: 3, topWords: [{ word: 'entropy', count: 3 }, { word: 'heat', count: 1 }] })).toBe(
      'AFTER 2 DATA AND 3 DISTINCT WORDS, THE ANSWER IS: ENTROPY HEAT.',
    );
  });
  it('gives the last answer once it knows it', () => expect(multivacAnswer({ ...knowledge, dataProcessed: 1, knowsTheLastAnswer: true })).toBe('LET THERE BE LIGHT.'));
  it('splits a datum into lower-cased words', () => expect(wordsOf("Stars' light, STARS!")).toEqual(new Map([['stars', 2], ['light', 1]])));
});

describe('byte sizes in configuration', () => {
  it.each([['1048576', 1048576], ['10MB', 10_000_000], ['2GiB', 2 * 1024 ** 3], ['1.5k', 1536], ['64KB', 64_000]])('reads %s as %i bytes', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));
  it.each(['', 'ten', '5 parsecs', '-1'])('refuses %j', (text) => expect(parseByteSize(text)).toBeUndefined());
});
