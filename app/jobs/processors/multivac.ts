import { wordsOf } from '../../multivac/answer.js';
import type { Processor } from './processorContext.js';

/** Learnt once per job (by its token), so that a job run again does not count its datum twice. */
export const multivacProcessor: Processor<'multivac'> = async ({ data }, { multivac, token }) => {
  const words = wordsOf(data);
  await multivac.learn(token, words);
  return { words: [...words.values()].reduce((sum, count) => sum + count, 0) };
};
