import { parentPort, workerData } from 'node:worker_threads';
import { workerFailure, type RangeWorkerMessage } from '../fileChunks/threadedRanges.js';
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
  post(workerFailure(error));
}
