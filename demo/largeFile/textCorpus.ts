import { seededRandom } from '../../common/seededRandom.js';

/**
 * The large file of the large-file demo: one block of generated English-like text (a skewed
 * vocabulary, sentence-case lines), repeated. Repeating a block keeps writing gigabytes cheap
 * and makes the exact word-count result known in advance (the block's counts × copies), so the
 * demo checks the distributed result, not just that one arrived.
 */
export interface TextBlock {
  readonly bytes: Buffer;
  /** Lower-cased word → occurrences in one block. */
  readonly counts: ReadonlyMap<string, number>;
}


const LETTERS = 'etaoinshrdlcumwfgypbvkjxqz';

/** A block of about `size` bytes (whole lines; at least one line) from `vocabularySize` words. */
export function textBlock(size: number, options: { seed?: number; vocabularySize?: number } = {}): TextBlock {
  const random = seededRandom(options.seed ?? 1);
  const vocabulary = new Set<string>();
  const wanted = options.vocabularySize ?? 20_000;
  while (vocabulary.size < wanted) {
    const length = 1 + Math.floor(random() * random() * 12);
    let word = '';
    // Frequent letters more often, as in real text.
    for (let i = 0; i < length; i++) word += LETTERS[Math.floor(random() * random() * LETTERS.length)];
    vocabulary.add(word);
  }
  const words = [...vocabulary];
  const counts = new Map<string, number>();
  const lines: string[] = [];
  let bytes = 0;
  while (bytes < size || lines.length === 0) {
    const length = 6 + Math.floor(random() * 10);
    const line: string[] = [];
    for (let i = 0; i < length; i++) {
      // Zipf-like skew: a few words make most of the text, a long tail appears rarely.
      const word = words[Math.floor(words.length * random() ** 3)] as string;
      counts.set(word, (counts.get(word) ?? 0) + 1);
      line.push(i === 0 ? word[0]!.toUpperCase() + word.slice(1) : word);
    }
    const text = `${line.join(' ')}\n`;
    lines.push(text);
    bytes += text.length;
  }
  return { bytes: Buffer.from(lines.join(''), 'latin1'), counts };
}

/** The word-count result file for `copies` blocks: `word count` lines, count descending, then word ascending. */
export function expectedWordCount(block: TextBlock, copies: number): string {
  const entries = [...block.counts].map(([word, count]) => [word, count * copies] as const);
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return entries.map(([word, count]) => `${word} ${count}\n`).join('');
}

/** How many copies of a block make a file of about `targetBytes` (at least one). */
export function copiesFor(block: TextBlock, targetBytes: number): number {
  return Math.max(1, Math.round(targetBytes / block.bytes.length));
}
