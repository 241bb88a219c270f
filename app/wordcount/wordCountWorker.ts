import { parentPort, workerData } from 'node:worker_threads';
import type { RangeWorkerMessage } from '../fileChunks/threadedRanges.js';
import { countRangeToRun, type RangeRunStats, type WordCountTask } from './countWords.js';

// Worker-thread entry: counts one range into its run file and posts the totals back.
const task = workerData as WordCountTask;
const post = (message: RangeWorkerMessage<RangeRunStats>): void => parentPort?.postMessage(message);
try {
  const result = await countRangeToRun(task.inputPath, task.range, task.runPath, {
    memoryBudgetBytes: task.memoryBudgetBytes,
    tmpDir: task.tmpDir,
    threads: 1,
    onProgress: (bytesDone) => post({ type: 'progress', bytesDone }),
  });
  post({ type: 'done', result });
} catch (error) {
  const err = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', message: err.message, name: err.name });
}
