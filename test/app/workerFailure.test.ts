import { describe, expect, it } from 'vitest';
import { workerFailure } from '../../app/fileChunks/threadedRanges.js';

describe('workerFailure: what a worker thread posts for what it threw', () => {
  it('is the error\'s message and name, what runInWorkerThreads rebuilds the error from', () => {
    class UnreadablePng extends Error {
      override name = 'UnreadablePng';
    }
    expect(workerFailure(new UnreadablePng('not a PNG'))).toEqual({ type: 'error', message: 'not a PNG', name: 'UnreadablePng' });
    expect(workerFailure(new RangeError('too far'))).toEqual({ type: 'error', message: 'too far', name: 'RangeError' });
  });

  it('makes an Error of anything else thrown, from its text', () => {
    expect(workerFailure('a string')).toEqual({ type: 'error', message: 'a string', name: 'Error' });
    expect(workerFailure(undefined)).toEqual({ type: 'error', message: 'undefined', name: 'Error' });
  });
});
