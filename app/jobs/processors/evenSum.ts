import { sumEvenNumbersInFile } from '../../evensum/index.js';
import { resolveFileSource } from './fileSource.js';
import { BadJobInput, type Processor } from './processorContext.js';

export const evenSumProcessor: Processor<'evensum'> = async ({ source }, context) => {
  const input = await resolveFileSource(source, context.config);
  const result = await sumEvenNumbersInFile(input.path, {
    threads: context.config.WORKER_THREADS,
    onProgress: (bytesDone, bytesTotal) => context.reportProgress({ bytesDone, bytesTotal }),
    signal: context.signal,
  });
  if (!result.ok) throw new BadJobInput(`${result.error} (byte offset ${result.offset}, line ${result.line})`);
  return { sum: result.sum, evenCount: result.evenCount, bytes: result.bytes };
};
