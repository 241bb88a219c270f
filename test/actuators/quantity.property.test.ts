import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuQuantity, memoryQuantity, parseQuantity, readQuantity } from '../../scaler/actuators/quantity.js';
import { propertySettings } from '../support/properties.js';

/**
 * Property tests of Kubernetes resource quantities (`scaler/actuators/quantity.ts`): what a
 * quantity string reads as, and that the limits the scaler writes read back as it meant them.
 */

/** Each suffix's factor, written out independently of the code's table. */
const FACTORS: Record<string, number> = {
  '': 1, n: 1 / 1e9, u: 1 / 1e6, m: 1 / 1000, k: 1000, M: 1000 ** 2, G: 1000 ** 3, T: 1000 ** 4, P: 1000 ** 5, E: 1000 ** 6,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};
/** The decimalSI suffixes' powers of ten: with the digits after the point, whether a value has digits below the nano. */
const TEN_POWERS: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const suffixes = fc.constantFrom(...Object.keys(FACTORS));

/** The smallest unit Kubernetes keeps: finer digits are rounded away from zero to a whole one. */
const NANO = 1e-9;
/** 2^63: a magnitude from here on is no limit any container gets, and none here. */
const INT64_BOUND = 2 ** 63;
/** Kubernetes refuses a decimal exponent outside ±(2^31 − 1). */
const MAX_EXPONENT = 2 ** 31 - 1;

/** Relative closeness: the parser rounds a number and its power of ten once, this multiplies two rounded values. */
const close = (actual: number | undefined, expected: number) => {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-12);
};

/**
 * The grammar in the doc comment of apimachinery's `pkg/api/resource/quantity.go`, production by
 * production, except that the exponent is an integer: its parser reads what follows `e` with
 * strconv.ParseInt, so `1e1.5` is refused by Kubernetes though the comment's `"e" <signedNumber>`
 * would allow it.
 */
const digit = '[0-9]';
const digits = `${digit}+`;
const number = `(?:${digits}|${digits}\\.${digits}|${digits}\\.|\\.${digits})`;
const sign = '[+-]';
const signedNumber = `${sign}?${number}`;
const binarySI = 'Ki|Mi|Gi|Ti|Pi|Ei';
const decimalSI = 'n|u|m||k|M|G|T|P|E';
const decimalExponent = `[eE]${sign}?${digits}`;
const quantity = new RegExp(`^(?<number>${signedNumber})(?:(?<binary>${binarySI})|(?<exponent>${decimalExponent})|(?<decimal>${decimalSI}))$`);
/** The API server decodes a quantity after Go's strings.TrimSpace, whose space is Unicode's White_Space. */
const grammarMatch = (text: string) => quantity.exec(text.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, ''))?.groups;
const inGrammar = (text: string) => grammarMatch(text) !== undefined;
/**
 * Whether a quantity of the grammar is one Kubernetes refuses (an exponent beyond ±(2^31 − 1)) or
 * one at 2^63 or beyond, by a rough reckoning of its value (NaN for 0 times 10^400, which it is not).
 */
const outOfReach = (text: string) => {
  const { number = '', binary, exponent, decimal = '' } = grammarMatch(text) ?? {};
  if (exponent !== undefined && Math.abs(Number(exponent.slice(1))) > MAX_EXPONENT) return true;
  const factor = binary !== undefined ? FACTORS[binary] : exponent !== undefined ? 10 ** Number(exponent.slice(1)) : FACTORS[decimal];
  const magnitude = Math.abs(Number(number) * (factor as number));
  return Number.isNaN(magnitude) ? Number(number) !== 0 : magnitude >= INT64_BOUND * 0.999;
};

/** Strings that look like quantities often: digits, signs, points, exponents, suffix letters, blanks. */
const quantityLike = fc.oneof(
  fc.array(fc.constantFrom(...'0123456789.+-eEmkKMGTPiunx '.split(''), 'Ki', 'Mi', 'Ei', '\t', '\n', '\u0085', '\u00a0', '\ufeff', '9'.repeat(200), 'e400', 'e308', 'Infinity', 'NaN'), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const digitString = (maxLength: number) => fc.array(fc.constantFrom(...'0123456789'.split('')), { minLength: 1, maxLength }).map((chars) => chars.join(''));

/** `<number>` in each of its four forms, with the value it stands for. */
const numbers = fc.tuple(digitString(7), digitString(4), fc.constantFrom('digits', 'digits.digits', 'digits.', '.digits')).map(([whole, fraction, form]) => {
  switch (form) {
    case 'digits': return { text: whole, value: Number(whole) };
    case 'digits.digits': return { text: `${whole}.${fraction}`, value: Number(`${whole}.${fraction}`) };
    case 'digits.': return { text: `${whole}.`, value: Number(whole) };
    default: return { text: `.${fraction}`, value: Number(`0.${fraction}`) };
  }
});
const signs = fc.constantFrom('', '+', '-');
const decimalExponents = fc.tuple(fc.constantFrom('e', 'E'), signs, fc.nat({ max: 12 }), fc.boolean()).map(([e, expSign, exponent, padded]) => ({
  text: `${e}${expSign}${padded ? '00' : ''}${exponent}`,
  factor: 10 ** (expSign === '-' ? -exponent : exponent),
  tenPower: expSign === '-' ? -exponent : exponent,
}));
/** `<suffix>`: binarySI, decimalSI (with the empty one) or a decimal exponent; a binary one's power of ten is 0. */
const grammarSuffixes = fc.oneof(suffixes.map((text) => ({ text, factor: FACTORS[text] as number, tenPower: TEN_POWERS[text] ?? 0 })), decimalExponents);
const blanks = fc.constantFrom('', ' ', '\t', '\n', '\u00a0', '\u0085', '\u3000');

describe('Kubernetes quantities, as properties', () => {
  it('any string reads as a number below 2^63 in magnitude or as undefined, never NaN, an infinity or a throw', () => {
    fc.assert(
      fc.property(quantityLike, (text) => {
        const value = parseQuantity(text);
        if (value !== undefined) expect(Math.abs(value)).toBeLessThan(INT64_BOUND);
      }),
      propertySettings(500),
    );
  });

  it('regression: a quantity too large for a number (1e400, 300 nines and E, 400 nines) is no quantity rather than Infinity', () => {
    // Found by the property above: each read as Infinity, a CPU or memory limit no container has.
    for (const text of ['1e400', `${'9'.repeat(300)}E`, '9'.repeat(400), `${'9'.repeat(300)}Ei`]) expect(parseQuantity(text)).toBeUndefined();
    // 1e308 read as itself then; anything from 2^63 on is none now (below).
    expect(parseQuantity('1e308')).toBeUndefined();
    expect(parseQuantity('1e18')).toBe(1e18);
    // A number given as one (a quantity in JSON written bare) is taken as it is, if finite.
    expect(parseQuantity(0.25)).toBe(0.25);
    expect(parseQuantity(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('every quantity of the grammar, blanks around it or not, reads as its signed number times its suffix\'s factor, kept to the nano as Kubernetes keeps it, or is none from 2^63 on', () => {
    fc.assert(
      fc.property(signs, numbers, grammarSuffixes, blanks, blanks, (numberSign, { text: numberText, value }, suffix, before, after) => {
        const text = `${before}${numberSign}${numberText}${suffix.text}${after}`;
        expect(inGrammar(text)).toBe(true);
        const exact = (numberSign === '-' ? -value : value) * suffix.factor;
        const read = parseQuantity(text);
        const fractionDigits = numberText.split('.')[1]?.length ?? 0;
        if (Math.abs(exact) >= INT64_BOUND * (1 + 1e-12)) {
          expect(read).toBeUndefined();
        } else if (Math.abs(exact) >= INT64_BOUND * (1 - 1e-12)) {
          // Within a rounding of 2^63: either.
        } else if (exact === 0) {
          expect(read).toBe(0);
        } else if (suffix.tenPower - fractionDigits >= -9) {
          close(read, exact);
        } else {
          // Digits below the nano: rounded away from zero to the next whole nano, never to zero.
          expect(read).toBeTypeOf('number');
          const magnitude = Math.abs(read as number);
          expect(Math.sign(read as number)).toBe(Math.sign(exact));
          expect(magnitude).toBeGreaterThanOrEqual(Math.abs(exact) * (1 - 1e-12));
          expect(magnitude).toBeLessThanOrEqual(Math.abs(exact) * (1 + 1e-12) + NANO);
          const nanos = magnitude / NANO;
          expect(Math.abs(nanos - Math.round(nanos))).toBeLessThan(1e-6);
        }
      }),
      propertySettings(500),
    );
  });

  it('regression: values below the nano are rounded away from zero to a whole nano, as apimachinery\'s ParseQuantity rounds them (its own cases)', () => {
    // 1e-400 read as 0, a limit of nothing, where Kubernetes holds 1n: it never rounds a non-zero amount to nothing.
    expect(parseQuantity('1e-400')).toBe(1e-9);
    expect(parseQuantity('-1e-400')).toBe(-1e-9);
    expect(parseQuantity('1e-2147483647')).toBe(1e-9);
    expect(parseQuantity('1.5e-2147483647')).toBe(1e-9);
    // apimachinery's quantity_test.go (TestQuantityParse's "Things that saturate/round", TestQuantityParseEmit), and their negatives.
    const cases: [string, number][] = [
      ['3.001n', 4e-9], ['1.1E-9', 2e-9], ['0.0000000001', 1e-9], ['0.0000000005', 1e-9], ['0.00000000050', 1e-9],
      ['0.5e-9', 1e-9], ['0.9n', 1e-9], ['0.00000012345', 124e-9], ['0.00000012354', 124e-9], ['0.000000000001Ki', 2e-9],
      ['.000000000001Ki', 2e-9], ['.000000001Ki', 1024e-9],
    ];
    for (const [text, value] of cases) {
      expect(parseQuantity(text)).toBe(value);
      expect(parseQuantity(`-${text}`)).toBe(-value);
    }
    // Zero stays zero, at any exponent Kubernetes takes, and has no sign.
    for (const text of ['0e-400', '-0.0000000000n', '0e2147483647', '-0']) expect(parseQuantity(text)).toBe(0);
  });

  it('regression: an exponent beyond ±(2^31 - 1) is refused, as Kubernetes refuses it, whatever its digits', () => {
    // A negative one read as 0 before, and so did `0e…`, though Kubernetes reads the suffix before the digits;
    // a positive one was refused only as Infinity.
    for (const text of ['1e2147483648', '1e-2147483648', '0e99999999999999999999', '1e9223372036854775807', '1e-9223372036854775808', '5E4294967297']) {
      expect(parseQuantity(text)).toBeUndefined();
      const reading = readQuantity(text);
      expect(reading.ok).toBe(false);
      if (!reading.ok) expect(reading.error).toContain("unable to parse quantity's suffix");
    }
    // An exponent is its integer value, however many zeros lead it (strconv.ParseInt).
    expect(parseQuantity('1e0000000000000000000003')).toBe(1000);
    expect(parseQuantity('1e-0000000000000000000003')).toBe(0.001);
  });

  it('regression: a magnitude of 2^63 or more is none: Kubernetes caps a binary quantity at 2^63 - 1 and sizes containers in int64', () => {
    // 8Ei read as 2^63 and 9Ei as 9 × 2^60, where Kubernetes holds 2^63 - 1 for both: memory limits on which the
    // scaler's records (bytes in int64 fields) threw.
    for (const text of ['8Ei', '9Ei', '-9Ei', '9223372036854775807Ki', '12E', '9223372036854775807', '1e19', '1e308']) {
      expect(parseQuantity(text)).toBeUndefined();
      const reading = readQuantity(text);
      expect(reading.ok).toBe(false);
      if (!reading.ok) expect(reading.error).toContain('2^63');
    }
    expect(parseQuantity('7Ei')).toBe(7 * 2 ** 60);
    // The largest number below 2^63.
    expect(parseQuantity('9223372036854774784')).toBe(2 ** 63 - 1024);
  });

  it('a refusal says what the text was and why', () => {
    const refused = readQuantity('1e3Mi');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatch(/^"1e3Mi" is not a Kubernetes quantity: /);
    expect(readQuantity(' 250m ')).toEqual({ ok: true, value: 0.25 });
  });

  it('regression: `.5` and `5.` are quantities and `1e3Mi` is none, as the grammar says', () => {
    // Each was read the other way: the point needed digits on both sides, and an exponent could take a suffix after it.
    expect(parseQuantity('.5')).toBe(0.5);
    expect(parseQuantity('5.')).toBe(5);
    expect(parseQuantity('1e3Mi')).toBeUndefined();
    expect(parseQuantity('-.5m')).toBe(-0.0005);
    expect(parseQuantity('5.Mi')).toBe(5 * 2 ** 20);
    expect(parseQuantity('1E')).toBe(1e18);
    expect(parseQuantity('1E3')).toBe(1000);
    // One power of ten, one rounding: 9m is the double nearest 0.009, not 9 * 1e-3.
    expect(parseQuantity('9m')).toBe(0.009);
  });

  it('regression: outside the grammar, though Kubernetes\' own parser differs: a lone point or sign is none, a fractional exponent is none', () => {
    // quantity.go's scanner reads `.`, `+` and `-` as zero, outside its own grammar; a limit nobody wrote.
    for (const text of ['.', '+', '-', '+.', '']) expect(parseQuantity(text)).toBeUndefined();
    // Its parser takes an integer exponent only (strconv.ParseInt), where the grammar says `"e" <signedNumber>`.
    for (const text of ['1e1.5', '1e.5', '1e5.', '1e']) expect(parseQuantity(text)).toBeUndefined();
    // Blanks around are Go's (TrimSpace, Unicode White_Space): NEL is one, the byte-order mark is not.
    expect(parseQuantity('\u00851\u0085')).toBe(1);
    expect(parseQuantity('\ufeff1')).toBeUndefined();
  });

  it('a quantity-like string is read exactly when it is in the grammar (unless Kubernetes refuses its exponent or its magnitude reaches 2^63)', () => {
    fc.assert(
      fc.property(quantityLike, (text) => {
        const value = parseQuantity(text);
        if (value !== undefined) expect(inGrammar(text)).toBe(true);
        else if (inGrammar(text)) expect(outOfReach(text)).toBe(true);
      }),
      propertySettings(1000),
    );
  });

  it('a quantity with one defect (two suffixes, a fractional or empty exponent, an unknown suffix, a blank or second sign or point inside, hex) is none', () => {
    const someSuffix = suffixes.filter((text) => text !== '');
    const unknownSuffix = fc.stringMatching(/^[a-zA-Z]{1,2}$/).filter((text) => !(text in FACTORS));
    const defective = fc.tuple(signs, numbers, numbers, someSuffix, someSuffix, decimalExponents, unknownSuffix).chain(([numberSign, { text: n }, { text: other }, si, si2, exponent, unknown]) => fc.constantFrom(
      `${numberSign}${n}${exponent.text}${si}`,
      `${numberSign}${n}${si}${exponent.text}`,
      `${numberSign}${n}${si}${si2}`,
      `${numberSign}${n}e${numberSign}${other.includes('.') ? other : `${other}.`}`,
      `${numberSign}${n}e${numberSign}`,
      `${numberSign}${n}${unknown}`,
      `${numberSign}${n} ${si}`,
      `${numberSign === '' ? '-' : numberSign} ${n}${si}`,
      `+-${n}${si}`,
      `${n}${numberSign === '' ? '+' : numberSign}`,
      `${n.includes('.') ? n : `${n}.`}.${si}`,
      `0x${n}`,
    ));
    fc.assert(
      fc.property(defective, (text) => {
        expect(inGrammar(text)).toBe(false);
        expect(parseQuantity(text)).toBeUndefined();
      }),
      propertySettings(500),
    );
  });

  it('a CPU limit written as millicores reads back within half a millicore (at least 1m: a limit is never written as zero)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (cores) => {
        const written = cpuQuantity(cores);
        expect(written).toMatch(/^[1-9]\d*m$/);
        const read = parseQuantity(written) as number;
        if (cores >= 0.0005) expect(Math.abs(read - cores)).toBeLessThanOrEqual(0.0005 + cores * 1e-12);
        else expect(read).toBe(0.001);
      }),
      propertySettings(300),
    );
  });

  it('a memory limit reads back as its bytes rounded to a whole byte, written in Mi when a whole number of them', () => {
    const bytes = fc.oneof(fc.double({ min: 0, max: 2 ** 50, noNaN: true }), fc.nat({ max: 2 ** 30 }).map((mib) => mib * 2 ** 20));
    fc.assert(
      fc.property(bytes, (value) => {
        const written = memoryQuantity(value);
        const rounded = Math.round(value);
        expect(written).toMatch(rounded % 2 ** 20 === 0 ? /^\d+Mi$/ : /^\d+$/);
        expect(parseQuantity(written)).toBe(rounded);
      }),
      propertySettings(300),
    );
  });
});
