import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuQuantity, memoryQuantity, parseQuantity } from '../../scaler/actuators/quantity.js';
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
const suffixes = fc.constantFrom(...Object.keys(FACTORS));

/** Relative closeness: the parser multiplies by 1e-3 where this divides by 1000, and the two round differently. */
const close = (actual: number | undefined, expected: number) => {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-12);
};

/** Strings that look like quantities often: digits, signs, points, exponents, suffix letters, blanks. */
const quantityLike = fc.oneof(
  fc.array(fc.constantFrom(...'0123456789.+-eEmkKMGTPiunx '.split(''), '9'.repeat(200), 'e400', 'e308', 'E', 'Ei', 'Infinity', 'NaN'), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('Kubernetes quantities, as properties', () => {
  it('any string reads as a finite number or as undefined, never NaN, an infinity or a throw', () => {
    fc.assert(
      fc.property(quantityLike, (text) => {
        const value = parseQuantity(text);
        if (value !== undefined) expect(Number.isFinite(value)).toBe(true);
      }),
      propertySettings(500),
    );
  });

  it('regression: a quantity too large for a number (1e400, 1e300E, 400 nines) is no quantity rather than Infinity', () => {
    // Found by the property above: each read as Infinity, a CPU or memory limit no container has.
    for (const text of ['1e400', '1e300E', '9'.repeat(400), '1e308Ki']) expect(parseQuantity(text)).toBeUndefined();
    expect(parseQuantity('1e308')).toBe(1e308);
  });

  it('a whole or decimal number with any known suffix reads as the number times the suffix\'s factor', () => {
    const decimal = fc.tuple(fc.nat({ max: 1_000_000 }), fc.option(fc.nat({ max: 999 }), { nil: undefined })).map(([whole, fraction]) => (fraction === undefined ? `${whole}` : `${whole}.${String(fraction).padStart(3, '0')}`));
    fc.assert(
      fc.property(decimal, suffixes, fc.boolean(), (number, suffix, signed) => {
        close(parseQuantity(`${signed ? '+' : ''}${number}${suffix}`), Number(number) * (FACTORS[suffix] as number));
        // Blanks around it are not part of it.
        expect(parseQuantity(` ${number}${suffix}\t`)).toBe(parseQuantity(`${number}${suffix}`));
      }),
      propertySettings(300),
    );
  });

  it('e-notation reads as the mantissa times ten to the exponent, and a suffix after it still applies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999 }), fc.integer({ min: -9, max: 12 }), fc.constantFrom('e', 'E'), fc.constantFrom('', 'm', 'Mi'), (mantissa, exponent, e, suffix) => {
        close(parseQuantity(`${mantissa}${e}${exponent}${suffix}`), mantissa * 10 ** exponent * (FACTORS[suffix] as number));
      }),
      propertySettings(200),
    );
  });

  it('an unknown suffix, or a number spelt loosely (no digit before the point, hex, a blank inside), is no quantity', () => {
    const unknownSuffix = fc.stringMatching(/^[a-zA-Z]{1,2}$/).filter((suffix) => !(suffix in FACTORS) && !/^[eE]$/.test(suffix));
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), unknownSuffix, fc.constantFrom((n: number) => `.${n}`, (n: number) => `0x${n}`, (n: number) => `${n} m`, (n: number) => `${n}.`, (n: number) => ''), (n, suffix, loose) => {
        expect(parseQuantity(`${n}${suffix}`)).toBeUndefined();
        expect(parseQuantity(loose(n))).toBeUndefined();
      }),
      propertySettings(200),
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
