import type { Trace } from './trace.js';
import { seededRandom } from '../../common/seededRandom.js';

/**
 * Synthetic request-rate traces with known shapes, for tests and for checking the policies on
 * cases the real traces may not contain. Deterministic: noise comes from a seeded generator.
 */
export type SyntheticShape = 'step' | 'ramp' | 'spike' | 'sine' | 'noise' | HeldOutShape;

export const SYNTHETIC_SHAPES: readonly SyntheticShape[] = ['step', 'ramp', 'spike', 'sine', 'noise'];

/**
 * Shapes added after the policy was last changed and never used to choose its rules or
 * constants: a check that what it does generalises (reported by the goal test, not required).
 */
export type HeldOutShape = 'diurnal-noise' | 'square-10s' | 'square-30s' | 'square-120s' | 'slow-ramp' | 'flash-crowd' | 'bursty-poisson';

export const HELD_OUT_SHAPES: readonly HeldOutShape[] = ['diurnal-noise', 'square-10s', 'square-30s', 'square-120s', 'slow-ramp', 'flash-crowd', 'bursty-poisson'];

export function syntheticTrace(shape: SyntheticShape, seconds = 7200, seed = 42): Trace {
  const random = seededRandom(seed);
  const values = new Float64Array(seconds);
  let burstLeft = 0;
  let burstLevel = 1;
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
      case 'diurnal-noise': // a 2-hour "day" between 40 and 360 with ±30% per-second noise
        base = (200 - 160 * Math.cos((2 * Math.PI * t) / 7200)) * (1 + 0.3 * (random() * 2 - 1));
        break;
      case 'square-10s': // bursts to 4× of 10 s every 2 minutes (shorter than a start-up)
      case 'square-30s': // ... of 30 s (one start-up)
      case 'square-120s': { // ... of 120 s (four start-ups), every 6 minutes
        const length = shape === 'square-10s' ? 10 : shape === 'square-30s' ? 30 : 120;
        const every = shape === 'square-120s' ? 360 : 120;
        base = t % every < length ? 400 : 100;
        break;
      }
      case 'slow-ramp': // 60 → 420 over the whole trace, a little noise
        base = 60 + (360 * t) / seconds;
        break;
      case 'flash-crowd': // quiet, a jump to 6× within 10 s that decays over 15 minutes, quiet again
        base = t < 2400 ? 70 : 70 + 350 * Math.min(1, (t - 2400) / 10) * Math.exp(-Math.max(0, t - 2410) / 900);
        break;
      case 'bursty-poisson': { // a low level with bursts (3–20 s, 2–6×) arriving at random, about one a minute
        if (burstLeft <= 0 && random() < 1 / 60) {
          burstLeft = 3 + Math.floor(random() * 18);
          burstLevel = 2 + 4 * random();
        }
        base = burstLeft > 0 ? 80 * burstLevel : 80;
        burstLeft -= 1;
        break;
      }
    }
    values[t] = Math.max(0, base * jitter);
  }
  return { name: `synthetic-${shape}`, times: Float64Array.from({ length: seconds }, (_, t) => t), values, stepSeconds: 1 };
}

