/**
 * Kubernetes resource quantities (`500m`, `1.5`, `.5`, `256Mi`, `1G`, `1e3`) to numbers and back,
 * for CPU (cores) and memory (bytes).
 */

/** decimalSI suffixes as powers of ten; `E` is exa here, an exponent only when digits follow it. */
const DECIMAL_SI: Record<string, number> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SI: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/**
 * `<signedNumber><suffix>`, one suffix at most: binarySI, a decimal exponent or decimalSI, so
 * `1e3Mi` is none. The grammar in apimachinery's quantity.go lets the exponent be any
 * signedNumber, but its parser takes only an integer after `e` (strconv.ParseInt), so `1e1.5`
 * is no quantity the API server would hold and none here either. A lone `.` or sign, which that
 * parser reads as zero though the grammar has no such number, is none too.
 */
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;

/** Go's unicode.IsSpace is the White_Space property; JavaScript's trim() differs on U+0085 and U+FEFF. */
const SURROUNDING_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

export function parseQuantity(text: string | number | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  // The API server's JSON decoding trims blanks around a quantity before parsing it.
  const match = QUANTITY.exec(text.replace(SURROUNDING_SPACE, ''));
  if (!match) return undefined;
  const [, number = '', exponent, binary, decimal = ''] = match;
  // A power of ten goes into the one conversion, which rounds once: `9m` reads as 0.009, where 9 * 1e-3
  // is 0.009000000000000001. A power of two multiplies exactly.
  const value = binary === undefined
    ? Number(`${number}e${exponent ?? DECIMAL_SI[decimal]}`)
    : Number(number) * (BINARY_SI[binary] as number);
  // `1e400` or 309 digits is too large for a number: no quantity, rather than an Infinity limit.
  return Number.isFinite(value) ? value : undefined;
}

/** Cores as millicores (`250m`), the form kubectl shows. */
export function cpuQuantity(cores: number): string {
  return `${Math.max(1, Math.round(cores * 1000))}m`;
}

/** Bytes as Mi when whole, else plain bytes. */
export function memoryQuantity(bytes: number): string {
  const rounded = Math.round(bytes);
  return rounded % 2 ** 20 === 0 ? `${rounded / 2 ** 20}Mi` : String(rounded);
}
