export { countWordsToFile, countWordsInRange, mergeWordCountRuns, type WordCountOptions } from './countWords.js';
