export { countWordsToFile, countWordsInRange, mergeWordCountRuns, MIN_BUDGET, type WordCountOptions } from './countWords.js';
