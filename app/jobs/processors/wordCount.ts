import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { countWordsInRange, mergeWordCountRuns } from '../../wordcount/index.js';
import { resolveFileSource } from './fileSource.js';
import { refuseBadInput, type Processor } from './processorContext.js';

export const wordCountOutputName = (token: string): string => `wordcount-${token}.txt`;

/**
 * The files in OUTPUT_DIR the retention sweep removes once expired: word count results, and the
 * hidden partial file of a result whose worker died while writing it (`writeResultFile`).
 */
export const WORD_COUNT_RESULT_FILES = /^\.?wordcount-[0-9a-f]{32}\.txt(\.partial-[0-9a-f]{8})?$/;

/**
 * Chunks write their sorted runs under OUTPUT_DIR, which every worker must share (one volume),
 * because the reduce step may run on another worker than the chunks.
 */
const runsDir = (outputDir: string, token: string): string => join(outputDir, '.runs', token);
const runName = (index: number): string => `${String(index).padStart(6, '0')}.run`;

/** A word-count job's runs (and its chunks' temporary folders): removed once the job has ended. */
export const removeWordCountRuns = (outputDir: string, token: string): Promise<void> => rm(runsDir(outputDir, token), { recursive: true, force: true });

export const wordCountChunkProcessor: Processor<'wordcount-chunk'> = async ({ token, source, range, index }, context) => {
  const { config, signal } = context;
  const input = await resolveFileSource(source, config);
  const dir = runsDir(config.OUTPUT_DIR, token);
  await mkdir(dir, { recursive: true });
  const run = runName(index);
  const counted = await countWordsInRange(input.path, range, join(dir, run), {
    memoryBudgetBytes: config.WORDCOUNT_MEMORY_BUDGET,
    tmpDir: dir,
    threads: 1,
    onProgress: (bytesDone) => context.reportProgress({ bytesDone, bytesTotal: range.end - range.start }),
    signal,
  }).catch(refuseBadInput);
  return { range, totalWords: counted.totalWords, run };
};

export const wordCountReduceProcessor: Processor<'wordcount'> = async ({ chunks, bytes }, context) => {
  const { config, token, signal } = context;
  const dir = runsDir(config.OUTPUT_DIR, token);
  const output = wordCountOutputName(token);
  const runs = Array.from({ length: chunks }, (_, index) => join(dir, runName(index)));
  const merged = await mergeWordCountRuns(runs, join(config.OUTPUT_DIR, output), {
    memoryBudgetBytes: config.WORDCOUNT_MEMORY_BUDGET,
    tmpDir: dir,
    threads: 1,
    signal,
  });
  // The runs stay until the job is recorded as finished (jobWorkers removes them then, with the
  // upload): a worker that dies between here and that record leaves the job to be run again, which
  // merges them again. Removed here, the run again found none and errored the job, its result
  // file written all the same.
  return { output, distinctWords: merged.distinctWords, totalWords: merged.totalWords, bytes };
};
