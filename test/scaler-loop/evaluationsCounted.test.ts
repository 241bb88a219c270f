/**
 * `scalewright_scaler_evaluations_total{service,outcome}` counts every evaluation once, by how it
 * ended: those that decided (applied, hold, dry_run, a data problem, no_lease), and those that did
 * not (the platform not read, an action still in flight, the loop stopped meanwhile, an error). Before,
 * the last kinds were not counted: a scaler that could not read Docker for an hour showed no
 * evaluation at all, which an alert on the failed share could not tell from a scaler not running.
 * The platform here only records what it is asked: what is under test is the loop's counting.
 */
import { describe, expect, it } from 'vitest';
import type { Actuator } from '../../scaler/actuators/actuator.js';
import { ScalerLoop, type ScalerLoopOptions } from '../../scaler/loop/controller.js';
import { scalerMetrics } from '../../scaler/loop/metrics.js';
import { serviceWindowFrom } from '../../scaler/loop/serviceWindow.js';
import { scalerLoopOptions } from './support/loopOptions.js';
import { burstRows, burstServiceState, now } from './support/burstScenario.js';

const burst = async () => ({ ok: true as const, window: serviceWindowFrom(burstRows) });

/** A replicas-only platform (no start-up bridge) that records what it is asked, `web` its one service. */
function platform(overrides: Partial<Actuator> = {}): Actuator & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    kind: 'swarm',
    listServices: async () => ['web'],
    observe: async (service) => burstServiceState(service),
    tidy: async () => 0,
    setReplicas: async (service, replicas) => void asked.push(`${service}: ${replicas} replicas`),
    setLimits: async (service) => void asked.push(`${service}: limits`),
    ...overrides,
  };
}

function loopOn(actuator: Actuator, options: Partial<ScalerLoopOptions> = {}) {
  const metrics = scalerMetrics();
  const loop = new ScalerLoop(scalerLoopOptions({ actuator, readWindow: burst, dryRun: false, metrics, now: () => now, ...options }));
  /** The counter of `web`, by outcome. */
  const evaluations = async () => Object.fromEntries((await metrics.evaluations.get()).values.map((value) => [value.labels.outcome, value.value]));
  return { loop, evaluations };
}

describe('every evaluation is counted once, by how it ended', () => {
  it('a scale-out applied, and one only reported in dry-run: one each', async () => {
    const { loop, evaluations } = loopOn(platform());
    expect(await loop.tick()).toEqual([expect.objectContaining({ outcome: 'applied' })]);
    await loop.settle();
    const dry = loopOn(platform(), { dryRun: true });
    expect(await dry.loop.tick()).toEqual([expect.objectContaining({ outcome: 'dry_run' })]);
    expect(await evaluations()).toEqual({ applied: 1 });
    expect(await dry.evaluations()).toEqual({ dry_run: 1 });
  });

  it('the platform cannot be read: observe_failed, each tick', async () => {
    const { loop, evaluations } = loopOn(platform({ observe: async () => { throw new Error('connect ENOENT /var/run/docker.sock'); } }));
    await loop.tick();
    await loop.tick();
    expect(await evaluations()).toEqual({ observe_failed: 2 });
  });

  it('an action still in flight: the next tick is busy, and counted so', async () => {
    let finish = () => undefined as void;
    const actuator = platform({ setReplicas: () => new Promise<void>((resolve) => { finish = resolve; }) });
    const { loop, evaluations } = loopOn(actuator);
    expect(await loop.tick()).toEqual([expect.objectContaining({ outcome: 'applied' })]);
    expect(await loop.tick()).toEqual([expect.objectContaining({ outcome: 'busy' })]);
    finish();
    await loop.settle();
    expect(await evaluations()).toEqual({ applied: 1, busy: 1 });
  });

  it('the loop stopped while the window was being read: stopped, nothing done', async () => {
    const actuator = platform();
    let loop: ScalerLoop | undefined;
    const { loop: built, evaluations } = loopOn(actuator, {
      readWindow: async () => {
        await loop?.stop();
        return burst();
      },
    });
    loop = built;
    expect(await built.tick()).toEqual([expect.objectContaining({ outcome: 'stopped' })]);
    expect(actuator.asked).toEqual([]);
    expect(await evaluations()).toEqual({ stopped: 1 });
  });

  it('an error nobody expected: failed, and the loop goes on', async () => {
    const { loop, evaluations } = loopOn(platform(), { readWindow: async () => { throw new Error('a bug'); } });
    expect(await loop.tick()).toEqual([expect.objectContaining({ outcome: 'failed', error: 'a bug' })]);
    expect(await evaluations()).toEqual({ failed: 1 });
  });
});
