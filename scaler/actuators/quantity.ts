/**
 * Kubernetes resource quantities (`500m`, `1.5`, `.5`, `256Mi`, `1G`, `1e3`) to numbers and back,
 * for CPU (cores) and memory (bytes).
 */

/** decimalSI suffixes as powers of ten; `E` is exa here, an exponent only when digits follow it. */
const DECIMAL_SI: Record<string, number> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** binarySI suffixes as powers of two. */
const BINARY_SI: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * `<signedNumber><suffix>`, one suffix at most: a decimal exponent, binarySI or decimalSI, so
 * `1e3Mi` is none. The grammar in apimachinery's quantity.go lets the exponent be any
 * signedNumber, but its parser takes only an integer after `e` (strconv.ParseInt), so `1e1.5`
 * is no quantity the API server would hold and none here either. A lone `.` or sign, which that
 * parser reads as zero though the grammar has no such number, is none too: the lookahead asks for
 * a digit before or just after the point.
 */
const QUANTITY = /^([+-]?)(?=\.?\d)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;

/** Go's unicode.IsSpace is the White_Space property; JavaScript's trim() differs on U+0085 and U+FEFF. */
const SURROUNDING_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

/**
 * The widest exponent Kubernetes takes. Its suffix parser keeps the exponent as an int32 scale and
 * refuses one outside ±(2^31 − 1) (`unable to parse quantity's suffix`; kubernetes#141203: before
 * it, an exponent past int64 was refused and one between wrapped to an unrelated scale).
 */
const MAX_EXPONENT = 2n ** 31n - 1n;

/**
 * From this magnitude on, none. Kubernetes parses a decimal quantity this large, but no container is
 * given it: it caps a binarySI quantity at 2^63 − 1, the Value and MilliValue accessors the kubelet
 * sizes containers by overflow past int64, and the scaler records bytes in int64 fields. 2^63 − 1
 * is 2^63 as a number, so it is none too: a limit that large is no limit.
 */
const TOO_LARGE = 2 ** 63;

export type QuantityReading = { ok: true; value: number } | { ok: false; error: string };

/**
 * What the API server holds for a quantity, as a number, or why there is none. Kubernetes keeps a
 * quantity to the nano (10^-9) and rounds finer digits away from zero (`0.1n` and `1e-400` are
 * `1n`, `3.001n` is `4n`, `-0.5n` is `-1n`), so that asking for a tiny non-zero amount never
 * gets nothing; the value is then rounded once, to the nearest number.
 */
export function readQuantity(text: string): QuantityReading {
  // The API server's JSON decoding trims blanks around a quantity before parsing it.
  const match = QUANTITY.exec(text.replace(SURROUNDING_SPACE, ''));
  if (!match) {
    return { ok: false, error: `${JSON.stringify(text)} is not a Kubernetes quantity: a signed number with one suffix at most (n, u, m, k, M, G, T, P, E; Ki to Ei; or e and an integer)` };
  }
  const [, sign, whole = '', fraction = '', exponent, binary, decimal = ''] = match;
  // Kubernetes reads the suffix before the digits, so even `0e99999999999` is refused.
  const power = exponent === undefined ? BigInt(DECIMAL_SI[decimal] as number) : BigInt(exponent);
  if (power > MAX_EXPONENT || power < -MAX_EXPONENT) {
    return { ok: false, error: `${JSON.stringify(text)}: the exponent ${exponent} is beyond ±${MAX_EXPONENT}, which Kubernetes refuses (unable to parse quantity's suffix)` };
  }

  // The value is digits × 10^scale × 2^twos, exactly.
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return { ok: true, value: 0 };
  const scale = Number(power) - fraction.length;
  const twos = binary === undefined ? 0 : (BINARY_SI[binary] as number);
  // Settled before exact arithmetic, so that an exponent in the millions builds no huge integer:
  // from 10^19 a value is past 2^63; below 10^-28 it is below 1n even times 2^60 (Ei). That takes in
  // `1.5e-2147483647`, on which Kubernetes' own int32 scale wraps (kubernetes#141306, open): 1n here, what it stands for.
  if (digits.length - 1 + scale >= 19) return tooLarge(text);
  if (digits.length + scale <= -28) return { ok: true, value: sign === '-' ? -1e-9 : 1e-9 };

  const amount = BigInt(digits) << BigInt(twos);
  const nanoShift = scale + 9;
  const nanos = nanoShift >= 0 ? amount * 10n ** BigInt(nanoShift) : ceilDivide(amount, 10n ** BigInt(-nanoShift));
  const magnitude = Number(`${nanos}e-9`);
  if (magnitude >= TOO_LARGE) return tooLarge(text);
  return { ok: true, value: sign === '-' ? -magnitude : magnitude };
}

/**
 * A quantity as a number (cores, bytes), or undefined when there is none: no text, text that is no
 * quantity Kubernetes would hold, or a magnitude no container gets (see readQuantity). A number
 * (a quantity written bare in JSON) is read as its shortest text, so it is kept to the nano alike.
 */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (text === undefined) return undefined;
  const reading = readQuantity(typeof text === 'number' ? String(text) : text);
  return reading.ok ? reading.value : undefined;
}

function tooLarge(text: string): QuantityReading {
  return { ok: false, error: `${JSON.stringify(text)} is 2^63 or more as a number: past the int64 Kubernetes sizes containers in (it caps a binary quantity at 2^63 - 1), so no container has such a limit` };
}

function ceilDivide(dividend: bigint, divisor: bigint): bigint {
  return (dividend + divisor - 1n) / divisor;
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
