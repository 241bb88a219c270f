export { sumEvenNumbersInFile, sumEvenNumbersInRange, type EvenSumOptions } from './sumEvenNumbers.js';
export { combineEvenSumPartials, type EvenSumPartial, type EvenSumResult } from './evenSumPartial.js';
