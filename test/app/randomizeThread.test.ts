import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ownedArrayBuffer } from '../../app/fileChunks/ownedArrayBuffer.js';
import { PNG_MAX_CHUNKS } from '../../app/image/pngInspection.js';
import { blockSources, coordinatePng } from '../support/coordinatePng.js';
import { pngChunk } from '../support/handmadePng.js';

// Worker threads start from compiled JavaScript only, so this runs the build in dist/.
type Threaded = typeof import('../../app/image/randomizePngInThread.js');
type Core = typeof import('../../app/image/randomizePng.js');
const DIST = resolve(import.meta.dirname, '../../dist/app/image');
let threaded: Threaded;
let core: Core;
let large: Buffer;

beforeAll(async () => {
  const built = resolve(DIST, 'randomizePngInThread.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx tsc -p tsconfig.json)`);
  threaded = (await import(built)) as Threaded;
  core = (await import(resolve(DIST, 'randomizePng.js'))) as Core;
  large = coordinatePng(2048, 2048); // the default IMAGE_MAX_PIXELS, 4,194,304
}, 60_000);

const MAX_PIXELS = 4_194_304;

/** Counts how often a 10 ms interval fires on this thread while `work` runs. */
async function ticksDuring<T>(work: () => Promise<T> | T): Promise<{ ticks: number; result: T }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    const result = await work();
    return { ticks, result };
  } finally {
    clearInterval(timer);
  }
}

describe('randomizePngInThread (the compiled build: decoding on a worker thread)', () => {
  it('keeps this thread\'s event loop turning through a 4-million-pixel job, which done here lets no tick through', async () => {
    const here = await ticksDuring(() => core.randomizePng(Buffer.from(large), { maxPixels: MAX_PIXELS }));
    expect(here.ticks).toBe(0);
    const onThread = await ticksDuring(() => threaded.randomizePngInThread(Buffer.from(large), { maxPixels: MAX_PIXELS }));
    expect(onThread.ticks).toBeGreaterThan(10);
  }, 60_000);

  it('answers the same image, its complete 60×60 blocks shuffled and its edges where they were', async () => {
    const result = await threaded.randomizePngInThread(Buffer.from(large), { maxPixels: MAX_PIXELS });
    expect(Buffer.isBuffer(result.png)).toBe(true);
    const image = PNG.sync.read(result.png);
    expect([image.width, image.height, result.width, result.height, result.blocksShuffled]).toEqual([2048, 2048, 2048, 2048, 34 * 34]);
    const sources = blockSources(image, 60);
    expect(new Set(sources.map(({ x, y }) => `${x},${y}`)).size).toBe(34 * 34);
    expect(sources.filter(({ x, y }, i) => x !== (i % 34) * 60 || y !== Math.floor(i / 34) * 60).length).toBeGreaterThan(34 * 34 / 2);
  }, 60_000);

  it('moves the bytes to the thread instead of copying them: the caller\'s buffer is left empty', async () => {
    const input = Buffer.from(large);
    const controller = new AbortController();
    const running = threaded.randomizePngInThread(input, { maxPixels: MAX_PIXELS, signal: controller.signal });
    expect(input.length).toBe(0);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('stops the thread on abort: the aborted job fails with an AbortError while the same job, not aborted, still runs', async () => {
    const controller = new AbortController();
    let otherSettled = false;
    const other = threaded.randomizePngInThread(Buffer.from(large), { maxPixels: MAX_PIXELS }).finally(() => (otherSettled = true));
    const aborted = threaded.randomizePngInThread(Buffer.from(large), { maxPixels: MAX_PIXELS, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(otherSettled).toBe(false);
    expect((await other).width).toBe(2048);
    await expect(threaded.randomizePngInThread(Buffer.from(large), { maxPixels: MAX_PIXELS, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  }, 60_000);

  it('answers what the decoder cannot read as an UnreadablePng with the decoder\'s reason, as it does in this thread', async () => {
    const broken = Buffer.concat([large.subarray(0, 60), Buffer.from('not the rest of a PNG')]);
    let here: unknown;
    try {
      core.randomizePng(Buffer.from(broken), { maxPixels: MAX_PIXELS });
    } catch (error) {
      here = error;
    }
    expect(here).toBeInstanceOf(core.UnreadablePng);
    const onThread = await threaded.randomizePngInThread(Buffer.from(broken), { maxPixels: MAX_PIXELS }).catch((error: unknown) => error);
    expect(onThread).toBeInstanceOf(core.UnreadablePng);
    expect((onThread as Error).message).toBe((here as Error).message);
  });

  it('refuses more pixels than allowed before decoding', async () => {
    await expect(threaded.randomizePngInThread(Buffer.from(large), { maxPixels: 2048 * 2047 })).rejects.toMatchObject({
      name: 'UnreadablePng',
      message: 'image has 2048×2048 pixels, more than the limit of 4192256',
    });
  });

  it('ends a thread that outgrows its heap limit as an UnreadablePng naming it, and this thread carries on', async () => {
    // A valid 1×1 PNG cut into 1.6 million empty IDAT chunks: the decoder keeps objects per chunk
    // (210 MB of heap, measured without the limit), far past the thread's cap.
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(1, 0);
    ihdr.writeUInt32BE(1, 4);
    ihdr.set([8, 0, 0, 0, 0], 8);
    const empty = pngChunk('IDAT');
    const hostile = Buffer.concat([large.subarray(0, 8), pngChunk('IHDR', ihdr), ...Array.from({ length: 1_600_000 }, () => empty), pngChunk('IDAT', deflateSync(Buffer.from([0, 0]))), pngChunk('IEND')]);
    await expect(threaded.randomizePngInThread(hostile, { maxPixels: MAX_PIXELS })).rejects.toMatchObject({
      name: 'UnreadablePng',
      message: `decoding it takes more than the ${threaded.RANDOMIZE_THREAD_HEAP_MB} MB of JavaScript heap a randomize thread may use (a PNG in a great many chunks, or with a huge palette)`,
    });
    expect((await threaded.randomizePngInThread(coordinatePng(130, 70), { maxPixels: MAX_PIXELS })).blocksShuffled).toBe(2);
  }, 60_000);

  it('decodes a PNG of as many chunks as an upload may have (PNG_MAX_CHUNKS) within the thread\'s heap cap', async () => {
    const png = coordinatePng(130, 70);
    const afterIhdr = 8 + 12 + 13;
    const emptyIdat = pngChunk('IDAT');
    const chunks = (bytes: Buffer) => {
      let count = 0;
      for (let offset = 8; offset < bytes.length; offset += 12 + bytes.readUInt32BE(offset)) count++;
      return count;
    };
    const atTheLimit = Buffer.concat([png.subarray(0, afterIhdr), ...Array.from({ length: PNG_MAX_CHUNKS - chunks(png) }, () => emptyIdat), png.subarray(afterIhdr)]);
    expect(chunks(atTheLimit)).toBe(PNG_MAX_CHUNKS);
    expect((await threaded.randomizePngInThread(atTheLimit, { maxPixels: MAX_PIXELS })).blocksShuffled).toBe(2);
  }, 60_000);
});

describe('ownedArrayBuffer (what is moved to a thread)', () => {
  it('is the bytes\' own buffer when the view covers all of it', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(ownedArrayBuffer(bytes)).toBe(bytes.buffer);
  });

  it('is a copy of just the viewed bytes for a view into a larger buffer (a Buffer from the shared pool, a socket read)', () => {
    const pooled = Buffer.from('abc');
    expect(pooled.buffer.byteLength).toBeGreaterThan(3);
    const owned = ownedArrayBuffer(pooled);
    expect(owned).not.toBe(pooled.buffer);
    expect([...new Uint8Array(owned)]).toEqual([97, 98, 99]);
  });
});
