import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { countWordsToFile } from '../../wordcount/index.js';
import { resolveFileSource } from './fileSource.js';
import type { Processor } from './processorContext.js';

export const wordCountOutputName = (token: string): string => `wordcount-${token}.txt`;

export const wordCountProcessor: Processor<'wordcount'> = async ({ source }, context) => {
  const { config, token, signal } = context;
  const input = await resolveFileSource(source, config);
  await mkdir(config.OUTPUT_DIR, { recursive: true });
  const output = wordCountOutputName(token);
  const counted = await countWordsToFile(input.path, join(config.OUTPUT_DIR, output), {
    memoryBudgetBytes: config.WORDCOUNT_MEMORY_BUDGET,
    tmpDir: config.OUTPUT_DIR,
    threads: config.WORKER_THREADS,
    onProgress: (bytesDone, bytesTotal) => context.reportProgress({ bytesDone, bytesTotal }),
    signal,
  });
  return { output, distinctWords: counted.distinctWords, totalWords: counted.totalWords, bytes: counted.bytes };
};
