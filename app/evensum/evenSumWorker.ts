import { parentPort, workerData } from 'node:worker_threads';
import { workerFailure, type RangeWorkerMessage } from '../fileChunks/threadedRanges.js';
import type { EvenSumPartial } from './evenSumPartial.js';
import { sumEvenNumbersInRange, type EvenSumTask } from './sumEvenNumbers.js';

// Worker-thread entry: scans one range and posts its partial back.
const task = workerData as EvenSumTask;
const post = (message: RangeWorkerMessage<EvenSumPartial>): void => parentPort?.postMessage(message);
try {
  const partial = await sumEvenNumbersInRange(task.path, task.range, {
    threads: 1,
    readBufferBytes: task.readBufferBytes,
    onProgress: (bytesDone) => post({ type: 'progress', bytesDone }),
  });
  post({ type: 'done', result: partial });
} catch (error) {
  post(workerFailure(error));
}
