import { throwIfAborted } from '../fileChunks/abort.js';
import { ownedArrayBuffer } from '../fileChunks/ownedArrayBuffer.js';
import { canStartWorkers, runInWorkerThreads } from '../fileChunks/threadedRanges.js';
import { randomizePng, UnreadablePng, type RandomizedPng } from './randomizePng.js';

/** What the thread is handed: the PNG's bytes, moved to it rather than copied. */
export interface RandomizeTask {
  png: ArrayBuffer;
  maxPixels: number;
}

/** What it hands back, the encoded result moved the same way. */
export type RandomizeThreadResult = Omit<RandomizedPng, 'png'> & { png: ArrayBuffer };

const WORKER = new URL('./randomizeWorker.js', import.meta.url);

/**
 * The thread's V8 heap cap. Decoding any image takes about 7 MB of it, 1 or 16 million pixels
 * alike: the pixels sit in ArrayBuffers, outside the heap and outside this cap (the pixel limit,
 * checked before decoding, bounds those). What does grow the heap is a PNG cut into a great many
 * chunks or carrying a huge palette (the decoder keeps an object per chunk and per palette
 * entry): 1.6 million empty IDAT chunks took 210 MB, a 6.5-million-entry PLTE 656 MB. Capped, such
 * an image ends its own thread, not the whole worker process and every job it runs.
 */
export const RANDOMIZE_THREAD_HEAP_MB = 64;

/**
 * Decodes, shuffles and encodes on a worker thread, so that the calling thread's event loop (a
 * worker process's health and metrics server, its queue lock renewals, other jobs) keeps turning
 * through the seconds a large image takes. The bytes are moved to the thread: `png` is left empty
 * when it owned its memory, so it must not be used afterwards. Aborting terminates the thread.
 * From TypeScript sources (under vitest) no thread can load, and the work runs here.
 */
export async function randomizePngInThread(png: Buffer, options: { maxPixels: number; signal?: AbortSignal }): Promise<RandomizedPng> {
  throwIfAborted(options.signal);
  if (!canStartWorkers(import.meta.url)) return randomizePng(png, { maxPixels: options.maxPixels });
  const task: RandomizeTask = { png: ownedArrayBuffer(png), maxPixels: options.maxPixels };
  try {
    const [result] = await runInWorkerThreads<RandomizeTask, RandomizeThreadResult>(WORKER, [task], {
      signal: options.signal,
      transfer: (t) => [t.png],
      resourceLimits: { maxOldGenerationSizeMb: RANDOMIZE_THREAD_HEAP_MB },
    });
    if (!result) throw new Error('the randomize thread finished without a result');
    return { ...result, png: Buffer.from(result.png) };
  } catch (error) {
    // The thread's errors arrive as plain Errors that keep their name.
    if (error instanceof Error && error.name === 'UnreadablePng') throw new UnreadablePng(error.message);
    if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      throw new UnreadablePng(`decoding it takes more than the ${RANDOMIZE_THREAD_HEAP_MB} MB of JavaScript heap a randomize thread may use (a PNG in a great many chunks, or with a huge palette)`);
    }
    throw error;
  }
}
