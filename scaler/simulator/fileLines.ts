import { createReadStream } from 'node:fs';

/** How much of the file is read at a time. */
export const LINE_CHUNK_BYTES = 1 << 20;

/**
 * Hands each line of a UTF-8 text file to `onLine`, in order, reading the file as a stream (a
 * mebibyte at a time) rather than whole: a file's text, and an array of all its lines beside it,
 * never sit in memory at once. The lines are those of `text.split(/\r?\n/)`: split at "\n" only,
 * a "\r" just before it dropped, the last line given even when empty. (node:readline would also
 * split at a "\r" alone, and number a file's lines otherwise.)
 */
export async function forEachLine(path: string, onLine: (line: string) => void): Promise<void> {
  // A line longer than a chunk comes in pieces, joined once its end is found: appending each
  // chunk to one string and searching it again would take time by the square of its length.
  let pieces: string[] = [];
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: LINE_CHUNK_BYTES });
  for await (const chunk of stream as AsyncIterable<string>) {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      let line = chunk.slice(start, end);
      if (pieces.length > 0) {
        pieces.push(line);
        line = pieces.join('');
        pieces = [];
      }
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = end + 1;
    }
    if (start < chunk.length) pieces.push(chunk.slice(start));
  }
  onLine(pieces.join(''));
}
