import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { assembleComparison, compareTasks, runCompareTask, type CompareOptions, type CompareTask, type CompareTaskResult, type Comparison } from './compare.js';
import { replayedSeconds, replayTrace, type Replay } from './replay.js';
import type { Trace } from './trace.js';

/**
 * Runs the comparisons of several traces on worker threads at once. A replay is one long
 * sequential loop (each second's queue depends on the last), so the parallelism is across
 * replays: each policy on each trace, and each frontier, is a task of its own
 * (`compareTasks`), handed to the next free thread, the longest first. The simulation is
 * deterministic, so the results are a one-thread run's, in the order the traces were given,
 * whatever the order the tasks finish in.
 *
 * Workers run the compiled `compareWorker.js` beside this module. Run from the TypeScript sources
 * (the test runner), there is none, and the tasks run one after another on this thread.
 */
export type PoolOptions = Omit<CompareOptions, 'onProgress'>;

/** What the pool reports while it runs: how it runs the tasks, a task progressing, a trace's comparison complete. */
export type PoolEvent =
  | { kind: 'start'; tasks: number; threads: number }
  | { kind: 'progress'; trace: Trace; task: CompareTask; fraction: number }
  | { kind: 'done'; trace: Trace; seconds: number };

/** One task handed to a worker. */
export interface TaskMessage {
  id: number;
  trace: Trace;
  task: CompareTask;
  options: PoolOptions;
}

/** What a worker posts back about a task. */
export type WorkerReply = { kind: 'progress'; id: number; fraction: number } | { kind: 'done'; id: number; result: CompareTaskResult } | { kind: 'failed'; id: number; message: string };

const WORKER_SCRIPT = new URL('./compareWorker.js', import.meta.url);

/** Whether tasks can run on worker threads here (the compiled worker exists). */
export function workersAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_SCRIPT));
}

/**
 * Relative cost of a task per simulated second, to hand out the longest first. Measured on
 * nasa_jul95 (2.4 million simulated seconds): the HPA rule 1.3 s, the frontier 8.3 s, the adaptive
 * policy 28.6 s (it evaluates every 5 s and re-sizes its bridge every second).
 */
const TASK_WEIGHT: Record<CompareTask, number> = { hpa: 1, adaptive: 20, frontier: 6 };

interface PendingTask {
  id: number;
  traceIndex: number;
  task: CompareTask;
  weight: number;
}

/**
 * Work (simulated seconds × `TASK_WEIGHT`) that pays for one more thread: about 5 s on this
 * machine (nasa_jul95's adaptive replay, 48 million, takes 28.6 s). Each worker compiles the
 * simulator afresh, so on a short run (every generated shape once: 3.8 million, 3.8 s on one
 * thread, 4.0 s on two) a second thread costs what it saves.
 */
export const WORK_PER_THREAD = 8_000_000;

/**
 * How many threads to use: `jobs` of them, or with `automatic`, at most `jobs` and one per
 * `WORK_PER_THREAD` of work.
 */
export interface Parallelism {
  jobs: number;
  automatic: boolean;
  /**
   * Run even one thread's tasks on a worker, so that this thread stays free to answer a signal at
   * once: as a container's PID 1 the process ends on a signal only through a handler of its own,
   * which a replay on this thread would keep waiting for the whole run (`runsAsPidOne`).
   */
  keepThisThreadFree?: boolean;
}

/** The threads to run tasks of these weights on: never more than tasks, nor than `jobs`; with `automatic`, one per `WORK_PER_THREAD`. */
export function threadCount(taskWeights: readonly number[], parallelism: Parallelism): number {
  const work = taskWeights.reduce((sum, weight) => sum + weight, 0);
  const worthIt = parallelism.automatic ? Math.max(1, Math.floor(work / WORK_PER_THREAD)) : Infinity;
  return Math.max(1, Math.min(Math.floor(parallelism.jobs), taskWeights.length, worthIt));
}

/**
 * Compares every trace under `options`, on worker threads as `parallelism` says (1: on this
 * thread). The comparisons come back in the traces' order; `onEvent` hears how the tasks are
 * spread, each task's progress and each trace's end.
 */
export async function compareTraces(traces: readonly Trace[], options: PoolOptions, parallelism: Parallelism, onEvent: (event: PoolEvent) => void = () => {}): Promise<Comparison[]> {
  const tasks = compareTasks(options);
  const pending: PendingTask[] = traces.flatMap((trace, traceIndex) => tasks.map((task, t) => ({ id: traceIndex * tasks.length + t, traceIndex, task, weight: replayedSeconds(trace, options.replay) * TASK_WEIGHT[task] })));
  const threads = threadCount(pending.map((item) => item.weight), parallelism);
  const results: (CompareTaskResult | undefined)[] = new Array(pending.length);
  const started: number[] = traces.map(() => Number.POSITIVE_INFINITY);
  const left: number[] = traces.map(() => tasks.length);
  const comparisons: (Comparison | undefined)[] = new Array(traces.length);
  const finish = (item: PendingTask, result: CompareTaskResult) => {
    results[item.id] = result;
    const remaining = left[item.traceIndex]! - 1;
    left[item.traceIndex] = remaining;
    if (remaining > 0) return;
    const trace = traces[item.traceIndex]!;
    const own = results.slice(item.traceIndex * tasks.length, (item.traceIndex + 1) * tasks.length) as CompareTaskResult[];
    comparisons[item.traceIndex] = assembleComparison(trace, options, own);
    onEvent({ kind: 'done', trace, seconds: (Date.now() - started[item.traceIndex]!) / 1000 });
  };
  const begin = (item: PendingTask) => {
    started[item.traceIndex] = Math.min(started[item.traceIndex]!, Date.now());
  };

  const onWorkers = (threads > 1 || parallelism.keepThisThreadFree === true) && workersAvailable();
  onEvent({ kind: 'start', tasks: pending.length, threads: onWorkers ? threads : 1 });
  if (!onWorkers) {
    // The tasks come trace by trace: each trace is replayed once, for all of its tasks.
    let replayed: { traceIndex: number; replay: Replay } | undefined;
    for (const item of pending) {
      begin(item);
      const trace = traces[item.traceIndex]!;
      if (replayed?.traceIndex !== item.traceIndex) replayed = { traceIndex: item.traceIndex, replay: replayTrace(trace, options.replay) };
      finish(item, runCompareTask(trace, item.task, { ...options, onProgress: (task, fraction) => onEvent({ kind: 'progress', trace, task, fraction }) }, replayed.replay));
    }
  } else {
    await runOnWorkers([...pending].sort((a, b) => b.weight - a.weight), traces, options, threads, begin, finish, onEvent);
  }
  return comparisons as Comparison[];
}

function runOnWorkers(
  queue: PendingTask[],
  traces: readonly Trace[],
  options: PoolOptions,
  threads: number,
  begin: (item: PendingTask) => void,
  finish: (item: PendingTask, result: CompareTaskResult) => void,
  onEvent: (event: PoolEvent) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const byId = new Map(queue.map((item) => [item.id, item]));
    const workers: Worker[] = [];
    let outstanding = queue.length;
    let stopped = false;
    const stop = (error?: Error) => {
      if (stopped) return;
      stopped = true;
      for (const worker of workers) void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    const handOut = (worker: Worker) => {
      const item = queue.shift();
      if (item === undefined) return;
      begin(item);
      const message: TaskMessage = { id: item.id, trace: traces[item.traceIndex]!, task: item.task, options };
      worker.postMessage(message);
    };
    for (let w = 0; w < threads; w += 1) {
      const worker = new Worker(WORKER_SCRIPT);
      workers.push(worker);
      worker.on('message', (reply: WorkerReply) => {
        if (stopped) return;
        const item = byId.get(reply.id)!;
        const trace = traces[item.traceIndex]!;
        if (reply.kind === 'progress') {
          onEvent({ kind: 'progress', trace, task: item.task, fraction: reply.fraction });
        } else if (reply.kind === 'failed') {
          stop(new Error(`simulating ${trace.name} (${item.task}) failed on a worker thread: ${reply.message}`));
        } else {
          finish(item, reply.result);
          outstanding -= 1;
          if (outstanding === 0) stop();
          else handOut(worker);
        }
      });
      // A worker that dies (out of memory, a crash in the runtime) takes its task with it.
      worker.on('error', (error) => stop(new Error(`a simulation worker thread failed: ${error.message}`)));
      // Workers are only ended here, after the last task: an exit before is a task lost, not a wait.
      worker.on('exit', (code) => stop(new Error(`a simulation worker thread exited (code ${code}) with tasks left`)));
      handOut(worker);
    }
  });
}
