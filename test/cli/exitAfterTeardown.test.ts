/**
 * The demos (`demo`, `demo-large-file`) interrupted by Ctrl-C (SIGINT) or SIGTERM remove what they
 * started (containers, network, volume, the generated input) and then exit the way a shell reports
 * a process the signal ended, 130 or 143, like `report` and `bench:reaction`: a script or CI job
 * tells an interrupted run from a failed one (1). The handler alone, its exit replaced (a full demo
 * run takes minutes).
 */
import { describe, expect, it } from 'vitest';
import { exitAfterTeardown } from '../../cli/interrupt.js';

/** A teardown the test finishes by hand, and the exit codes the handler asked for, in order with it. */
function harness(outcome: 'removed' | 'failed' = 'removed') {
  const events: string[] = [];
  let finish: () => void = () => undefined;
  const teardown = () =>
    new Promise<void>((resolve, reject) => {
      events.push('teardown started');
      finish = () => {
        events.push(`teardown ${outcome}`);
        if (outcome === 'removed') resolve();
        else reject(new Error('the Docker engine went away'));
      };
    });
  const handler = exitAfterTeardown(teardown, (code) => events.push(`exit ${code}`));
  return { events, handler, finish: () => finish() };
}

describe('a demo interrupted by a signal', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: tears down first, then exits ${code}`, async () => {
      const { events, handler, finish } = harness();
      handler(signal);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Nothing ends the process while the containers are still being removed.
      expect(events).toEqual(['teardown started']);
      finish();
      await expect.poll(() => events).toEqual(['teardown started', 'teardown removed', `exit ${code}`]);
    });
  }

  it('a teardown that fails still exits with the interrupted code, not 1', async () => {
    const { events, handler, finish } = harness('failed');
    handler('SIGTERM');
    finish();
    await expect.poll(() => events).toEqual(['teardown started', 'teardown failed', 'exit 143']);
  });
});
