/**
 * Counts the app's job adds as they end, answered or refused, so that a test can wait until the
 * ones its requests started are over (a frozen Redis answers none until it is thawed) before it
 * tears the app down.
 */
import type { JobQueues } from '../../app/jobs/jobQueues.js';

export function onEnqueueSettled(queues: JobQueues, settled: () => void): void {
  for (const method of ['enqueue', 'enqueueFileJob'] as const) {
    const original = queues[method].bind(queues) as (...args: unknown[]) => Promise<string>;
    (queues as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      try {
        return await original(...args);
      } finally {
        settled();
      }
    };
  }
}
