/**
 * A demo interrupted at any point removes what it had made so far (an image build in progress, a
 * partial input file, its containers, network and volume), newest first, then exits 130 (SIGINT)
 * or 143 (SIGTERM). A second interrupt during that teardown exits at once with 128 + its own
 * number, after saying on stderr what may be left and the commands that remove it. The handler
 * alone, its exit and stderr replaced (the process is the test runner).
 */
import { describe, expect, it } from 'vitest';
import { DemoInterrupt } from '../../demo/demoInterrupt.js';
import { fileLeftoverCommand, runLeftoverCommands, secondInterruptMessage } from '../../demo/leftBehind.js';

function harness() {
  const events: string[] = [];
  let stderr = '';
  const interrupt = new DemoInterrupt('demo-large-file', { exit: (code) => events.push(`exit ${code}`), stderr: (text) => (stderr += text) });
  /** Something made, whose removal the test finishes by hand. */
  const made = (name: string, byHand: string[]) => {
    let finish: () => void = () => undefined;
    const undo = interrupt.track({
      byHand,
      undo: () =>
        new Promise<void>((resolve) => {
          events.push(`removing ${name}`);
          finish = () => {
            events.push(`removed ${name}`);
            resolve();
          };
        }),
    });
    return { undo, finish: () => finish() };
  };
  return { interrupt, events, made, stderr: () => stderr };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('a demo interrupted once', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: stops what is in progress, removes what it made newest first, then exits ${code}`, async () => {
      const { interrupt, events, made, stderr } = harness();
      const input = made('the input file', ['rm -f /out/large-input.txt']);
      const stack = made('the containers', ['docker rm -f …']);
      interrupt.interrupted(signal);
      expect(interrupt.signal.aborted).toBe(true);
      expect(stderr()).toBe(`demo-large-file: interrupted by ${signal}: removing what it made (interrupt again to exit at once)\n`);
      await settle();
      // One after another: the containers before the volume and the file they use; nothing ends the process meanwhile.
      expect(events).toEqual(['removing the containers']);
      stack.finish();
      await settle();
      expect(events).toEqual(['removing the containers', 'removed the containers', 'removing the input file']);
      input.finish();
      await expect.poll(() => events.at(-1)).toBe(`exit ${code}`);
    });
  }

  it('what the run had removed itself already is not removed again', async () => {
    const { interrupt, events, made } = harness();
    const build = made('the build', []);
    const done = build.undo();
    build.finish();
    await done;
    interrupt.interrupted('SIGTERM');
    await expect.poll(() => events).toEqual(['removing the build', 'removed the build', 'exit 143']);
  });

  it('a removal that fails does not keep the others from running, nor change the exit code', async () => {
    const events: string[] = [];
    const interrupt = new DemoInterrupt('demo', { exit: (code) => events.push(`exit ${code}`), stderr: () => undefined });
    interrupt.track({ byHand: [], undo: async () => void events.push('volume removed') });
    interrupt.track({ byHand: [], undo: async () => Promise.reject(new Error('the Docker engine went away')) });
    interrupt.interrupted('SIGINT');
    await expect.poll(() => events).toEqual(['volume removed', 'exit 130']);
  });
});

describe('a second interrupt during the teardown', () => {
  it('exits at once with its own code, naming what may be left and the commands that remove it, in the order they must run', async () => {
    const { interrupt, events, made, stderr } = harness();
    made('the input file', ['rm -f /out/large-input.txt']);
    made('the containers', ['docker rm -f $(docker ps -aq --filter label=scalewright.demo=abc123)', 'docker network rm scalewright-demo-abc123']);
    interrupt.interrupted('SIGTERM');
    await settle();
    interrupt.interrupted('SIGINT');
    expect(events).toEqual(['removing the containers', 'exit 130']);
    expect(stderr().split('\n').slice(1)).toEqual([
      'demo-large-file: interrupted again by SIGINT: exiting before the teardown ended; what may be left is removed by:',
      '  docker rm -f $(docker ps -aq --filter label=scalewright.demo=abc123)',
      '  docker network rm scalewright-demo-abc123',
      '  rm -f /out/large-input.txt',
      '',
    ]);
  });

  it('lists only what is not removed yet', async () => {
    const { interrupt, made, stderr } = harness();
    made('the input file', ['rm -f /out/large-input.txt']);
    const stack = made('the containers', ['docker rm -f …']);
    interrupt.interrupted('SIGINT');
    stack.finish();
    await settle();
    interrupt.interrupted('SIGINT');
    expect(stderr()).toContain('removed by:\n  rm -f /out/large-input.txt\n');
    expect(stderr()).not.toContain('docker rm -f');
  });
});

describe('the demo run under the handler', () => {
  it('not interrupted: the run ends as it ends, and the handlers are removed', async () => {
    const interrupt = new DemoInterrupt('demo', { exit: () => undefined, stderr: () => undefined });
    const before = process.listenerCount('SIGINT');
    const code = await interrupt.run(async () => {
      expect(process.listenerCount('SIGINT')).toBe(before + 1);
      return 0;
    });
    expect(code).toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(before);
    await expect(interrupt.run(async () => Promise.reject(new Error('no Docker')))).rejects.toThrow('no Docker');
  });

  it('interrupted: its failure (what it waited on went away) is not reported; the handler ends the process', async () => {
    const events: string[] = [];
    const interrupt = new DemoInterrupt('demo', { exit: (code) => events.push(`exit ${code}`), stderr: () => undefined });
    const running = interrupt.run(
      () =>
        new Promise<number>((_, reject) => {
          interrupt.signal.addEventListener('abort', () => reject(new Error('aborted')));
          interrupt.interrupted('SIGINT');
        }),
    );
    const outcome = await Promise.race([running.then(() => 'settled', () => 'rejected'), new Promise((resolve) => setTimeout(() => resolve('pending'), 50))]);
    expect(outcome).toBe('pending');
    expect(events).toEqual(['exit 130']);
    interrupt.dispose();
  });
});

describe('what may be left, and the commands that remove it', () => {
  it("a run's containers by their label (the scaler's clones too), then its network and volume", () => {
    expect(runLeftoverCommands({ runId: 'abc123', network: 'scalewright-demo-abc123', volume: 'scalewright-demo-abc123-data' })).toEqual([
      'docker rm -f $(docker ps -aq --filter label=scalewright.demo=abc123)',
      'docker network rm scalewright-demo-abc123',
      'docker volume rm scalewright-demo-abc123-data',
    ]);
    expect(runLeftoverCommands({ runId: 'abc123', network: 'scalewright-demo-abc123' })).toHaveLength(2);
  });

  it('a file, quoted for the shell', () => {
    expect(fileLeftoverCommand("/tmp/it's here/large-input.txt")).toBe(`rm -f '/tmp/it'\\''s here/large-input.txt'`);
  });

  it('nothing left: said so', () => {
    expect(secondInterruptMessage('demo', 'SIGINT', [])).toBe('demo: interrupted again by SIGINT: exiting at once; nothing was left to remove\n');
  });
});
