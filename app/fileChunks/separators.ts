/** ASCII whitespace as both engines define it: space, \t, \n, \v, \f, \r. */
export const ASCII_WHITESPACE: readonly number[] = [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d];

/** A 256-entry lookup table, 1 for the given separator bytes, so a hot loop pays one load per byte. */
export function separatorTable(bytes: readonly number[]): Uint8Array {
  const table = new Uint8Array(256);
  for (const byte of bytes) table[byte] = 1;
  return table;
}
