/**
 * MultiVAC's answer rule. Until a worker has processed at least one datum the answer is the
 * seed's "INSUFFICIENT DATA". After that, the answer is derived from what was learnt: the most
 * frequent words of all processed data, in order. Once the data hold the words of Asimov's own
 * ending ("let", "there", "be", "light"), MultiVAC gives that answer.
 */
export const INSUFFICIENT_DATA = 'INSUFFICIENT DATA FOR MEANINGFUL ANSWER.';
export const THE_LAST_ANSWER = 'LET THERE BE LIGHT.';

export interface MultivacKnowledge {
  dataProcessed: number;
  distinctWords: number;
  topWords: Array<{ word: string; count: number }>;
  knowsTheLastAnswer: boolean;
}

export function multivacAnswer(knowledge: MultivacKnowledge): string {
  if (knowledge.dataProcessed === 0) return INSUFFICIENT_DATA;
  if (knowledge.knowsTheLastAnswer) return THE_LAST_ANSWER;
  if (knowledge.topWords.length === 0) {
    return `${knowledge.dataProcessed} DATA PROCESSED, NONE WITH WORDS. ${INSUFFICIENT_DATA}`;
  }
  const words = knowledge.topWords.map((entry) => entry.word.toUpperCase()).join(' ');
  return `AFTER ${knowledge.dataProcessed} DATA AND ${knowledge.distinctWords} DISTINCT WORDS, THE ANSWER IS: ${words}.`;
}

/** Words of one datum: runs of letters, digits and apostrophes, lower-cased. */
export function wordsOf(datum: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of datum.toLowerCase().matchAll(/[\p{L}\p{N}']+/gu)) {
    const word = match[0].replace(/^'+|'+$/g, '');
    if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}
