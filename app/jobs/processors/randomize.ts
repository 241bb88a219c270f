import { randomizePng } from '../../image/randomizePng.js';
import { randomizeInputKey, randomizeResultKey } from '../../store/blobStore.js';
import { BadJobInput, type Processor } from './processorContext.js';

export const randomizeProcessor: Processor<'randomize'> = async (_payload, { token, blobs }) => {
  const input = await blobs.get(randomizeInputKey(token));
  if (!input) throw new BadJobInput('the uploaded image has expired or was never stored');
  let result: ReturnType<typeof randomizePng>;
  try {
    result = randomizePng(input);
  } catch (error) {
    throw new BadJobInput(`cannot decode the PNG: ${(error as Error).message}`);
  }
  await blobs.put(randomizeResultKey(token), result.png);
  await blobs.delete(randomizeInputKey(token));
  return { width: result.width, height: result.height, blocksShuffled: result.blocksShuffled };
};
