/**
 * The kinds of job the app hands to workers, and what each carries. One BullMQ queue per kind,
 * so that queue depth, concurrency and metrics are per kind and a flood of one kind cannot hide
 * another's backlog.
 */
export const JOB_TYPES = ['randomize', 'wordcount', 'evensum', 'multivac'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/**
 * File jobs are cut in byte-range chunks: the client's job (the token) is a BullMQ parent that
 * reduces, and its chunks are children on a queue of their own that any worker may take.
 */
export const CHUNK_QUEUES = ['wordcount-chunk', 'evensum-chunk'] as const;
export type ChunkQueue = (typeof CHUNK_QUEUES)[number];
export type FileJobType = 'wordcount' | 'evensum';
export const chunkQueueOf = (type: FileJobType): ChunkQueue => `${type}-chunk`;
export const isFileJobType = (type: string): type is FileJobType => type === 'wordcount' || type === 'evensum';

/** Every queue a worker may serve. */
export const QUEUE_NAMES = [...JOB_TYPES, ...CHUNK_QUEUES] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Where a file job reads its input: a file under DATA_DIR, or an upload the app stored. */
export type FileSource =
  | { kind: 'data'; path: string }
  | { kind: 'upload'; file: string; bytes: number };

/** One chunk of a file job: the bytes `[start, end)` of the source, the `index`-th of `count`. */
export interface ChunkPayload {
  token: string;
  source: FileSource;
  range: { start: number; end: number };
  index: number;
  count: number;
}

export interface JobPayloads {
  /** The PNG itself waits in Redis under the job's token (see store/blobStore.ts). */
  randomize: { bytes: number };
  wordcount: { source: FileSource; bytes: number; chunks: number };
  evensum: { source: FileSource; bytes: number; chunks: number };
  multivac: { data: string };
  'wordcount-chunk': ChunkPayload;
  'evensum-chunk': ChunkPayload;
}

export interface JobResults {
  randomize: { width: number; height: number; blocksShuffled: number };
  wordcount: { output: string; distinctWords: number; totalWords: number; bytes: number };
  evensum: { sum: string; evenCount: number; bytes: number };
  multivac: { words: number };
  'wordcount-chunk': { range: { start: number; end: number }; totalWords: number; run: string };
  'evensum-chunk': import('../evensum/index.js').EvenSumPartial;
}

/** Progress a running job reports: bytes of its input done so far. */
export interface JobProgress {
  bytesDone: number;
  bytesTotal: number;
}

export const isJobType = (value: string): value is JobType => (JOB_TYPES as readonly string[]).includes(value);
export const isQueueName = (value: string): value is QueueName => (QUEUE_NAMES as readonly string[]).includes(value);
