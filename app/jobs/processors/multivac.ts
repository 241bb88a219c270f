import { wordsOf } from '../../multivac/answer.js';
import type { Processor } from './processorContext.js';

export const multivacProcessor: Processor<'multivac'> = async ({ data }, { multivac }) => {
  const words = wordsOf(data);
  await multivac.learn(words);
  return { words: [...words.values()].reduce((sum, count) => sum + count, 0) };
};
