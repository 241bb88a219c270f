import { UnreadablePng } from '../../image/randomizePng.js';
import { randomizePngInThread } from '../../image/randomizePngInThread.js';
import { randomizeInputKey, randomizeResultKey } from '../../store/blobStore.js';
import { BadJobInput, type Processor } from './processorContext.js';

export const randomizeProcessor: Processor<'randomize'> = async (_payload, { token, blobs, config, signal }) => {
  const input = await blobs.get(randomizeInputKey(token));
  if (!input) throw new BadJobInput('the uploaded image has expired or was never stored');
  const result = await randomizePngInThread(input, { maxPixels: config.IMAGE_MAX_PIXELS, signal }).catch((error: unknown) => {
    // The bytes decide, so a retry would fail the same way; anything else (an abort, a thread that
    // could not start) is left to the queue's retries.
    if (error instanceof UnreadablePng) throw new BadJobInput(`cannot decode the PNG: ${error.message}`);
    throw error;
  });
  // The input stays until the job is recorded as finished (jobWorkers removes it then): a worker
  // that dies between here and that record leaves the job to be run again, which needs it. Removed
  // here, the run again found no image and errored the job, its result stored all the same.
  await blobs.put(randomizeResultKey(token), result.png);
  return { width: result.width, height: result.height, blocksShuffled: result.blocksShuffled };
};
