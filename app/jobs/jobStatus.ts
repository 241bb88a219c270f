import type { ChunkPayload, JobProgress } from './jobTypes.js';

/** The four states of the seed's contract, in the order a job moves through them. */
export type PublicStatus = 'requested' | 'received' | 'finished' | 'errored';

/** What the queue knows of one job, reduced to plain data. */
export interface JobSnapshot {
  state: string;
  progress: unknown;
  failedReason?: string | undefined;
  acceptedAt: number;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  attemptsMade: number;
  /** What the job returned, once finished. */
  result?: unknown;
}

export interface PublicJobStatus {
  status: PublicStatus;
  error?: string;
  progress?: JobProgress;
  attempts?: number;
}

/**
 * Maps BullMQ's states onto the seed's: anything waiting its turn is `requested`, a job a worker
 * holds is `received`. A job whose worker died is moved back to waiting by BullMQ's stalled-job
 * check, so it shows `requested` again and never stays `received` forever.
 */
export function publicStatus(state: string): PublicStatus {
  switch (state) {
    case 'active':
      return 'received';
    case 'completed':
      return 'finished';
    case 'failed':
      return 'errored';
    default:
      // waiting, prioritized, delayed, waiting-children
      return 'requested';
  }
}

export function describeJob(snapshot: JobSnapshot): PublicJobStatus {
  const status = publicStatus(snapshot.state);
  const view: PublicJobStatus = { status };
  if (status === 'errored') view.error = snapshot.failedReason ?? 'the job failed';
  if (isProgress(snapshot.progress) && status !== 'finished') view.progress = snapshot.progress;
  if (snapshot.attemptsMade > 1) view.attempts = snapshot.attemptsMade;
  return view;
}

/**
 * A file job's error when one of its chunks failed: which chunk (1-based), which bytes of the
 * file (inclusive), and the chunk's own reason, e.g.
 * `chunk 1 of 3 (bytes 0–16777215): a token starting at byte 0 is longer than 15728640 bytes`.
 */
export function chunkFailure(chunk: Pick<ChunkPayload, 'index' | 'count' | 'range'>, reason: string): string {
  const { start, end } = chunk.range;
  const bytes = end > start ? `bytes ${start}–${end - 1}` : 'no bytes';
  return `chunk ${chunk.index + 1} of ${chunk.count} (${bytes}): ${reason}`;
}

function isProgress(value: unknown): value is JobProgress {
  return typeof value === 'object' && value !== null && 'bytesDone' in value && 'bytesTotal' in value;
}
