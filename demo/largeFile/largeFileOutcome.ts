import type { Goal } from '../demoOutcome.js';

/** What the demo saw in one second of one run. */
export interface RunSecond {
  /** Seconds since the upload began. */
  second: number;
  phase: 'upload' | 'processing' | 'done';
  uploadedBytes: number;
  /** Bytes the workers have counted so far (the job's progress). */
  countedBytes: number;
  fileBytes: number;
  /** Worker containers running. */
  workers: number;
  /** CPU limit of one worker (the largest, if they differ). */
  workerCpuCores: number;
  /** CPU limits of all workers, added. */
  workerCpuTotalCores: number;
  appCpuCores: number;
}

export interface RunRecord {
  name: string;
  /** Whether the scaler ran during this run. */
  scaled: boolean;
  uploadSeconds: number;
  /** From the job's token (upload complete) to `finished`. */
  processingSeconds: number;
  totalSeconds: number;
  seconds: RunSecond[];
  /** Containers of the app or the workers the kernel killed for memory during the run. */
  oomKilled: number;
  /** The result equals the word count known in advance. */
  resultCorrect: boolean;
  error?: string;
}

export interface LargeFileOutcome {
  /** Baseline processing time over scaled processing time (> 1: scaling was faster). */
  processingSpeedup: number;
  totalSpeedup: number;
  peakWorkers: number;
  initialWorkerCpuCores: number;
  peakWorkerCpuCores: number;
  peakAppCpuCores: number;
  goals: Goal[];
}

/** Pure judgement of the two runs against the scenario's goals. */
export function largeFileOutcome(baseline: RunRecord, scaled: RunRecord): LargeFileOutcome {
  const peak = (values: number[]) => Math.max(0, ...values);
  const peakWorkers = peak(scaled.seconds.map((s) => s.workers));
  // The budget a worker starts with: the baseline keeps it throughout (the scaler may already have
  // moved it by the first second of the scaled run).
  const initialWorkerCpuCores = baseline.seconds[0]?.workerCpuCores ?? scaled.seconds[0]?.workerCpuCores ?? 0;
  const peakWorkerCpuCores = peak(scaled.seconds.map((s) => s.workerCpuCores));
  const peakAppCpuCores = peak(scaled.seconds.map((s) => s.appCpuCores));
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const processingSpeedup = ratio(baseline.processingSeconds, scaled.processingSeconds);
  const totalSpeedup = ratio(baseline.totalSeconds, scaled.totalSeconds);
  const bothFinished = !baseline.error && !scaled.error;
  const goals: Goal[] = [
    {
      name: 'no OOM kill at 100 MB',
      met: baseline.oomKilled === 0 && scaled.oomKilled === 0,
      detail: `${baseline.oomKilled + scaled.oomKilled} container(s) OOM-killed across both runs`,
    },
    { name: 'correct result', met: bothFinished && baseline.resultCorrect && scaled.resultCorrect, detail: resultDetail(baseline, scaled) },
    { name: 'the scaler added workers (queue depth)', met: peakWorkers > 1, detail: `workers peaked at ${peakWorkers}` },
    {
      name: 'the scaler raised CPU',
      met: peakWorkerCpuCores > initialWorkerCpuCores + 1e-9,
      detail: `CPU per worker ${initialWorkerCpuCores.toFixed(2)} → up to ${peakWorkerCpuCores.toFixed(2)} cores (app up to ${peakAppCpuCores.toFixed(2)})`,
    },
    {
      name: 'the job finished faster than without scaling',
      met: bothFinished && scaled.processingSeconds < baseline.processingSeconds,
      detail: `processing ${scaled.processingSeconds.toFixed(1)} s against ${baseline.processingSeconds.toFixed(1)} s (${processingSpeedup.toFixed(2)}x faster); upload + processing ${scaled.totalSeconds.toFixed(1)} s against ${baseline.totalSeconds.toFixed(1)} s (${totalSpeedup.toFixed(2)}x)`,
    },
  ];
  return { processingSpeedup, totalSpeedup, peakWorkers, initialWorkerCpuCores, peakWorkerCpuCores, peakAppCpuCores, goals };
}

function resultDetail(baseline: RunRecord, scaled: RunRecord): string {
  const one = (run: RunRecord) => `${run.name}: ${run.error ? `failed (${run.error})` : run.resultCorrect ? 'equal to the expected count' : 'DIFFERENT from the expected count'}`;
  return `${one(baseline)}; ${one(scaled)}`;
}
