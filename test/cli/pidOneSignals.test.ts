/**
 * As a container's PID 1 the kernel drops a signal the process has no handler for, so Node's
 * default (end the process) never happens there. The CLI's stand-in for it acts only as PID 1,
 * and only while no command listens for the signal itself. (The image test stops a real
 * simulation in a container without --init.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { endOnUnhandledSignalsAsPidOne, runsAsPidOne } from '../../cli/pidOneSignals.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));

afterEach(() => {
  // Leave vitest's own process as it was: only the listeners it had.
  for (const signal of SIGNALS) for (const listener of process.listeners(signal)) if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
  vi.restoreAllMocks();
});

describe('the stand-in for Node on SIGINT and SIGTERM', () => {
  it('is PID 1 only', () => {
    expect(runsAsPidOne(1)).toBe(true);
    expect(runsAsPidOne(4242)).toBe(false);
  });

  it('installs nothing outside PID 1, where Node ends the process itself', () => {
    endOnUnhandledSignalsAsPidOne('scalewright simulate', 4242);
    for (const signal of SIGNALS) expect(process.listenerCount(signal)).toBe(before.get(signal)!.length);
  });

  for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`as PID 1, ends the process on ${signal} with exit ${exitCode} and one line on stderr, when nothing else listens`, () => {
      const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      for (const listener of before.get(signal)!) process.removeListener(signal, listener);
      try {
        endOnUnhandledSignalsAsPidOne('scalewright simulate', 1);
        process.emit(signal, signal);
      } finally {
        for (const listener of before.get(signal)!) process.on(signal, listener);
      }
      expect(exit).toHaveBeenCalledWith(exitCode);
      expect(stderr).toHaveBeenCalledWith(`scalewright simulate: interrupted by ${signal}: exiting ${exitCode}\n`);
    });
  }

  it("as PID 1, leaves the signal to a command that listens for it itself (its clean stop is that command's)", () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const commandsOwn = vi.fn();
    for (const listener of before.get('SIGTERM')!) process.removeListener('SIGTERM', listener);
    try {
      endOnUnhandledSignalsAsPidOne('scalewright app', 1);
      process.on('SIGTERM', commandsOwn);
      process.emit('SIGTERM', 'SIGTERM');
    } finally {
      for (const listener of before.get('SIGTERM')!) process.on('SIGTERM', listener);
    }
    expect(commandsOwn).toHaveBeenCalledWith('SIGTERM');
    expect(exit).not.toHaveBeenCalled();
  });
});
