import type { Logger } from '../../../common/logger.js';
import { TokenTooLongError } from '../../fileChunks/ownedTokens.js';
import type { AppConfig } from '../../config.js';
import type { BlobStore } from '../../store/blobStore.js';
import type { MultivacStore } from '../../store/multivacStore.js';
import type { JobPayloads, JobProgress, JobResults, QueueName } from '../jobTypes.js';

/** What a job processor may touch: its stores, its progress report, and an abort signal. */
export interface ProcessorContext {
  token: string;
  config: AppConfig;
  logger: Logger;
  blobs: BlobStore;
  multivac: MultivacStore;
  reportProgress: (progress: JobProgress) => void;
  signal: AbortSignal;
  /** Results of the job's children (the chunks of a file job), by child key. */
  childResults: () => Promise<Record<string, unknown>>;
}

export type Processor<T extends QueueName> = (payload: JobPayloads[T], context: ProcessorContext) => Promise<JobResults[T]>;

/** A failure that retrying cannot cure (bad input): the job goes straight to `errored`. */
export class BadJobInput extends Error {
  override name = 'BadJobInput';
}

/**
 * For an engine's `.catch()`: its refusal of the input (a token longer than it takes) is bad input,
 * so a BadJobInput; anything else (I/O, Redis, an abort) is rethrown as it is, to be retried.
 */
export function refuseBadInput(error: unknown): never {
  if (error instanceof TokenTooLongError) throw new BadJobInput(error.message);
  throw error;
}
