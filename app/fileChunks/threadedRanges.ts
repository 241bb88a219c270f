import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { throwIfAborted } from './abort.js';

/** Messages a range worker posts back to the thread that started it. */
export type RangeWorkerMessage<R> =
  | { type: 'progress'; bytesDone: number }
  | { type: 'done'; result: R }
  | { type: 'error'; message: string; name: string; fields?: Record<string, number> };

/**
 * What a worker thread posts for whatever it threw: its message, its name and its own number
 * fields (a TokenTooLongError's offset and limit), from which runInWorkerThreads rebuilds the
 * error it rejects with (an Error itself does not survive the crossing with its class). A thrown
 * non-Error becomes an Error of its text.
 */
export function workerFailure(thrown: unknown): Extract<RangeWorkerMessage<never>, { type: 'error' }> {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const fields = Object.fromEntries(Object.entries(error).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  return { type: 'error', message: error.message, name: error.name, ...(Object.keys(fields).length > 0 ? { fields } : {}) };
}

/**
 * The threads a caller's `threads` option asks for, as a whole number within 1..`most`. NaN is
 * refused rather than read as some count: the CLI checks its flag, and a direct caller's NaN is a
 * bug to show, not a thread count to guess.
 */
export function threadCount(requested: number, most: number): number {
  if (Number.isNaN(requested)) throw new RangeError('threads: not a number (NaN); give a whole number of 1 or more');
  return Math.max(1, Math.min(Math.floor(requested), most));
}

/**
 * True when this module runs as compiled JavaScript, so that worker files (`*.js` next to it) can
 * be started. Under vitest the sources are TypeScript and workers cannot load them.
 */
export function canStartWorkers(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.js');
}

export interface WorkerThreadOptions<T> {
  signal?: AbortSignal;
  onProgress?: (bytesDone: number) => void;
  /** Caps on each thread's V8 heap: a thread over them dies alone (ERR_WORKER_OUT_OF_MEMORY), not the process. */
  resourceLimits?: ResourceLimits;
  /** What of a task to move to its thread rather than copy (its ArrayBuffers are unusable here afterwards). */
  transfer?: (task: T) => TransferListItem[];
}

/**
 * Runs one worker thread per task and collects their results in task order. Progress is the sum
 * of what every worker reported. On abort, or when one worker fails, all are terminated.
 */
export async function runInWorkerThreads<T, R>(workerUrl: URL, tasks: T[], options: WorkerThreadOptions<T>): Promise<R[]> {
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
            const worker = new Worker(workerUrl, {
              workerData: task,
              transferList: options.transfer?.(task),
              resourceLimits: options.resourceLimits,
            });
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
                const error = Object.assign(new Error(message.message), message.fields);
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

/**
 * Spreads ranges over threads with this thread taking a share: `here` runs in this thread
 * (async I/O between slices keeps its event loop responsive) while each of `helpers` runs in a
 * worker thread. One isolate less than a worker per range: less memory, one start-up less.
 * Without compiled workers (TypeScript sources), the helpers run here one after the other.
 * If either side fails, the other is stopped.
 */
export async function runHereAndInWorkers<T, M, R>(
  workerUrl: URL | undefined,
  here: T,
  helpers: T[],
  run: {
    here: (task: T, onProgress: (bytesDone: number) => void, signal: AbortSignal) => Promise<M>;
    helperHere: (task: T, onProgress: (bytesDone: number) => void, signal: AbortSignal) => Promise<R>;
  },
  options: { signal?: AbortSignal; onProgress?: (bytesDone: number) => void },
): Promise<{ here: M; helpers: R[] }> {
  throwIfAborted(options.signal);
  const inner = new AbortController();
  const forward = (): void => inner.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  let hereDone = 0;
  let helpersDone = 0;
  const report = (): void => options.onProgress?.(hereDone + helpersDone);
  try {
    if (!workerUrl) {
      const hereResult = await run.here(here, (d) => ((hereDone = d), report()), inner.signal);
      const results: R[] = [];
      let before = 0;
      for (const task of helpers) {
        results.push(await run.helperHere(task, (d) => ((helpersDone = before + d), report()), inner.signal));
        before = helpersDone;
      }
      return { here: hereResult, helpers: results };
    }
    const helping = runInWorkerThreads<T, R>(workerUrl, helpers, {
      signal: inner.signal,
      onProgress: (d) => ((helpersDone = d), report()),
    });
    const working = run.here(here, (d) => ((hereDone = d), report()), inner.signal);
    // Stop the other side as soon as one fails, then report the first failure.
    const [hereResult, helperResults] = await Promise.all([
      working.catch((error: unknown) => {
        inner.abort(error);
        throw error;
      }),
      helping.catch((error: unknown) => {
        inner.abort(error);
        throw error;
      }),
    ]);
    return { here: hereResult, helpers: helperResults };
  } catch (error) {
    throwIfAborted(options.signal);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
}
