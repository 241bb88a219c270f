import type { Trace } from './trace.js';

/**
 * Synthetic request-rate traces with known shapes, for tests and for checking the policies on
 * cases the real traces may not contain. Deterministic: noise comes from a seeded generator.
 */
export type SyntheticShape = 'step' | 'ramp' | 'spike' | 'sine' | 'noise';

export const SYNTHETIC_SHAPES: readonly SyntheticShape[] = ['step', 'ramp', 'spike', 'sine', 'noise'];

export function syntheticTrace(shape: SyntheticShape, seconds = 7200, seed = 42): Trace {
  const random = mulberry32(seed);
  const values = new Float64Array(seconds);
  for (let t = 0; t < seconds; t += 1) {
    const jitter = 1 + 0.1 * (random() * 2 - 1);
    let base: number;
    switch (shape) {
      case 'step': // quiet, then four times the load for half an hour, then quiet again
        base = t >= 1800 && t < 3600 ? 400 : 100;
        break;
      case 'ramp': // up over 40 minutes, down over 40 minutes
        base = t < 2400 ? 50 + (350 * t) / 2400 : t < 4800 ? 400 - (350 * (t - 2400)) / 2400 : 50;
        break;
      case 'spike': // a steady load with three 2-minute spikes at five times the level
        base = [1200, 3000, 5400].some((start) => t >= start && t < start + 120) ? 500 : 100;
        break;
      case 'sine': // a 30-minute cycle between 60 and 340
        base = 200 + 140 * Math.sin((2 * Math.PI * t) / 1800);
        break;
      case 'noise': // a flat load with heavy jitter (±50%)
        base = 200 * (1 + 0.5 * (random() * 2 - 1));
        break;
    }
    values[t] = Math.max(0, base * jitter);
  }
  return { name: `synthetic-${shape}`, times: Float64Array.from({ length: seconds }, (_, t) => t), values, stepSeconds: 1 };
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
