import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection now. Called at the few moments a big table is dropped or
 * replaced (a table doubling, the switch from counting to merging): V8 frees ArrayBuffers only
 * when it collects, and it collects on external-memory growth of tens of megabytes, which in a
 * 100 MB container is the difference between a budget kept and an OOM kill. The JS heap here is
 * a few megabytes, so a collection costs a few milliseconds.
 */
export function collectGarbage(): void {
  if (!gc) {
    const global = globalThis as { gc?: () => void };
    if (typeof global.gc === 'function') gc = global.gc;
    else {
      // `--expose-gc` set at run time only affects contexts created afterwards: take `gc` from one.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
}
