/**
 * The options of a ScalerLoop built by a test, so that each test names only what it is about.
 */
import { pino } from 'pino';
import { LocalLease } from '../../../scaler/lease/redisLease.js';
import type { ScalerLoopOptions } from '../../../scaler/loop/controller.js';
import { scalerMetrics } from '../../../scaler/loop/metrics.js';

/** What every test states: the platform, where the windows come from, and whether actions are applied. */
export type ScalerLoopUnderTest = Pick<ScalerLoopOptions, 'actuator' | 'readWindow' | 'dryRun'> & Partial<ScalerLoopOptions>;

/**
 * ScalerLoop options from the platform, the window reader and `dryRun`, and for the rest what a
 * test does not care about: records dropped (`write` does nothing), a lease always held
 * (LocalLease), a silent logger, metrics of its own, and data stale after 15 s (the scaler's
 * default `--stale-after`). Any option given replaces its default.
 */
export function scalerLoopOptions(options: ScalerLoopUnderTest): ScalerLoopOptions {
  const { lease = new LocalLease(), logger = pino({ level: 'silent' }), metrics = scalerMetrics(), ...rest } = options;
  return { write: () => undefined, staleAfterMs: 15_000, lease, logger, metrics, ...rest };
}
