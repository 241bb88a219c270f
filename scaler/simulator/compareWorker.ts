import { parentPort } from 'node:worker_threads';
import { runCompareTask } from './compare.js';
import type { TaskMessage, WorkerReply } from './comparePool.js';

/**
 * The worker thread of `comparePool.ts`: runs each task it is handed (one policy, or the
 * frontier, on one trace) and posts back its progress and its result. It keeps nothing between
 * tasks.
 */
const port = parentPort;
if (port === null) throw new Error('compareWorker.js runs as a worker thread of comparePool, not on its own');

port.on('message', ({ id, trace, task, options }: TaskMessage) => {
  const reply = (message: WorkerReply) => port.postMessage(message);
  try {
    reply({ kind: 'done', id, result: runCompareTask(trace, task, { ...options, onProgress: (_task, fraction) => reply({ kind: 'progress', id, fraction }) }) });
  } catch (error) {
    reply({ kind: 'failed', id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
