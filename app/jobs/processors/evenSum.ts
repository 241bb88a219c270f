import { combineEvenSumPartials, sumEvenNumbersInRange, type EvenSumPartial } from '../../evensum/index.js';
import { resolveFileSource } from './fileSource.js';
import { BadJobInput, refuseBadInput, type Processor } from './processorContext.js';

export const evenSumChunkProcessor: Processor<'evensum-chunk'> = async ({ source, range }, context) => {
  const input = await resolveFileSource(source, context.config);
  return sumEvenNumbersInRange(input.path, range, {
    threads: 1,
    onProgress: (bytesDone) => context.reportProgress({ bytesDone, bytesTotal: range.end - range.start }),
    signal: context.signal,
  }).catch(refuseBadInput);
};

/** The chunks' partials arrive as the children's results; a bad token anywhere errors the job. */
export const evenSumReduceProcessor: Processor<'evensum'> = async (_payload, context) => {
  const partials = Object.values(await context.childResults()) as EvenSumPartial[];
  const result = combineEvenSumPartials(partials);
  // The engine's message already names the byte offset and the line.
  if (!result.ok) throw new BadJobInput(result.error);
  return { sum: result.sum, evenCount: result.evenCount, bytes: result.bytes };
};
