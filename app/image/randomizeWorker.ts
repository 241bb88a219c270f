import { parentPort, workerData } from 'node:worker_threads';
import { ownedArrayBuffer } from '../fileChunks/ownedArrayBuffer.js';
import { workerFailure, type RangeWorkerMessage } from '../fileChunks/threadedRanges.js';
import { randomizePng } from './randomizePng.js';
import type { RandomizeTask, RandomizeThreadResult } from './randomizePngInThread.js';

// Worker-thread entry: randomizes the PNG it was handed and moves the result back.
const task = workerData as RandomizeTask;
const post = (message: RangeWorkerMessage<RandomizeThreadResult>, transfer: ArrayBuffer[] = []): void => parentPort?.postMessage(message, transfer);
try {
  const { png, ...size } = randomizePng(Buffer.from(task.png), { maxPixels: task.maxPixels });
  const bytes = ownedArrayBuffer(png);
  post({ type: 'done', result: { ...size, png: bytes } }, [bytes]);
} catch (error) {
  post(workerFailure(error));
}
