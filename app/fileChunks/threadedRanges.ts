import { Worker } from 'node:worker_threads';
import { throwIfAborted } from './abort.js';

/** Messages a range worker posts back to the thread that started it. */
export type RangeWorkerMessage<R> =
  | { type: 'progress'; bytesDone: number }
  | { type: 'done'; result: R }
  | { type: 'error'; message: string; name: string };

/**
 * True when this module runs as compiled JavaScript, so that worker files (`*.js` next to it) can
 * be started. Under vitest the sources are TypeScript and workers cannot load them.
 */
export function canStartWorkers(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.js');
}

/**
 * Runs one worker thread per task and collects their results in task order. Progress is the sum
 * of what every worker reported. On abort, or when one worker fails, all are terminated.
 */
export async function runInWorkerThreads<T, R>(
  workerUrl: URL,
  tasks: T[],
  options: { signal?: AbortSignal; onProgress?: (bytesDone: number) => void },
): Promise<R[]> {
  throwIfAborted(options.signal);
  const done = new Array<number>(tasks.length).fill(0);
  const workers: Worker[] = [];
  const stopAll = (): void => {
    for (const worker of workers) void worker.terminate();
  };
  const onAbort = (): void => stopAll();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(
      tasks.map(
        (task, index) =>
          new Promise<R>((resolve, reject) => {
            const worker = new Worker(workerUrl, { workerData: task });
            workers.push(worker);
            let settled = false;
            worker.on('message', (message: RangeWorkerMessage<R>) => {
              if (message.type === 'progress') {
                done[index] = message.bytesDone;
                options.onProgress?.(done.reduce((a, b) => a + b, 0));
              } else if (message.type === 'done') {
                settled = true;
                resolve(message.result);
              } else {
                settled = true;
                const error = new Error(message.message);
                error.name = message.name;
                reject(error);
              }
            });
            worker.on('error', (error) => {
              settled = true;
              reject(error);
            });
            worker.on('exit', (code) => {
              if (settled) return;
              if (options.signal?.aborted) {
                try {
                  throwIfAborted(options.signal);
                } catch (error) {
                  reject(error);
                }
              } else reject(new Error(`worker thread exited with code ${code} before finishing`));
            });
          }),
      ),
    );
  } catch (error) {
    stopAll();
    throwIfAborted(options.signal);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
