/** The most characters of a client's value that an error message repeats. */
export const ECHO_LIMIT = 120;

/**
 * A value the client sent (a path, a header, a method, a parameter), as an error message repeats
 * it: whole up to `limit` characters, else its first `limit` characters, an ellipsis and its full
 * length. A client may send kilobytes (a 4 KB path, a 16 KB header); repeating all of it makes
 * the answer and every log line that carries it that much bigger, and says nothing more.
 * `quoted` puts the shown part in JSON quotes, for values whose blanks or emptiness matter.
 * Characters are code points, so a cut never splits a surrogate pair.
 */
export function echoedValue(value: string, options: { quoted?: boolean; limit?: number } = {}): string {
  const limit = options.limit ?? ECHO_LIMIT;
  const quote = (text: string) => (options.quoted ? JSON.stringify(text) : text);
  // UTF-16 length is at least the number of code points: short values skip the split.
  if (value.length <= limit) return quote(value);
  const characters = Array.from(value);
  if (characters.length <= limit) return quote(value);
  return `${quote(`${characters.slice(0, limit).join('')}…`)} (${characters.length} characters)`;
}
