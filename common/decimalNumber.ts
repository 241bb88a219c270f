/**
 * A number as an operator types it on a command line: decimal (`0.5`, `10`, `.25`, `1e3`,
 * `+1.5`), with nothing around it. NaN for anything else: Number() also takes "0x10" (16), "0b11"
 * (3), " 4" (4) and "" (0), values the operator did not write. `simulate`'s numeric flags are
 * read this way, and the numbers `files` is given as flags.
 */
export function decimalNumber(text: string): number {
  return DECIMAL_NUMBER.test(text) ? Number(text) : Number.NaN;
}

const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
