export { countWordsToFile, countWordsInRange, mergeWordCountRuns, MIN_BUDGET, MAX_BUDGET, longestWord, budgetForWord, WordTooLongError, wordLengthText, type WordCountOptions } from './countWords.js';
export { ResultFileError } from './textOutput.js';
