/**
 * The kinds of job the app hands to workers, and what each carries. One BullMQ queue per kind,
 * so that queue depth, concurrency and metrics are per kind and a flood of one kind cannot hide
 * another's backlog.
 */
export const JOB_TYPES = ['randomize', 'wordcount', 'evensum', 'multivac'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** Where a file job reads its input: a file under DATA_DIR, or an upload the app stored. */
export type FileSource =
  | { kind: 'data'; path: string }
  | { kind: 'upload'; file: string; bytes: number };

export interface JobPayloads {
  /** The PNG itself waits in Redis under the job's token (see store/blobStore.ts). */
  randomize: { bytes: number };
  wordcount: { source: FileSource };
  evensum: { source: FileSource };
  multivac: { data: string };
}

export interface JobResults {
  randomize: { width: number; height: number; blocksShuffled: number };
  wordcount: { output: string; distinctWords: number; totalWords: number; bytes: number };
  evensum: { sum: string; evenCount: number; bytes: number };
  multivac: { words: number };
}

/** Progress a running job reports: bytes of its input done so far. */
export interface JobProgress {
  bytesDone: number;
  bytesTotal: number;
}

export const isJobType = (value: string): value is JobType => (JOB_TYPES as readonly string[]).includes(value);
