import type { Parameters } from 'fast-check';

/**
 * Settings every property test shares. The seed is fixed so that `npm test` checks the same
 * inputs on every run and a CI failure can be replayed as it was; `PROPERTY_SEED` picks other
 * inputs (a failure prints the seed and the path to the smallest failing case), and
 * `PROPERTY_SCALE` multiplies every property's number of runs, for a longer fuzz than CI's:
 *
 *   PROPERTY_SCALE=50 PROPERTY_SEED=$RANDOM npx vitest run property
 *
 * (the property tests are the files named `*.property.test.ts`).
 *
 * `runs` is the property's own count for CI: a few hundred for a pure function, fewer where
 * each run is an HTTP exchange.
 */
export function propertySettings<T>(runs = 200): Parameters<T> {
  const seed = process.env.PROPERTY_SEED;
  const scale = Number(process.env.PROPERTY_SCALE ?? 1);
  return {
    seed: seed === undefined || seed === '' ? 20_261_203 : Number(seed),
    numRuns: Math.max(1, Math.round(runs * (Number.isFinite(scale) && scale > 0 ? scale : 1))),
  };
}
