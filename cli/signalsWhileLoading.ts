import { interruptedExitCode, type InterruptSignal } from './exitCodes.js';

/**
 * Ends the process on SIGINT or SIGTERM while the CLI loads its modules (about 1.2 s here, longer
 * on a loaded machine or a tenth of a core), with one line on stderr and exit 130 or 143
 * (`interruptedExitCode`): nothing has been started yet. Without it, a signal then ends Node with
 * nothing said, and Node running as a container's PID 1 does not end at all: the kernel drops a
 * signal PID 1 has no handler for, so `docker stop` waits its whole timeout, then kills.
 * Returns what hands the signals over once the modules are loaded: each command then handles the
 * signals itself (`stopOnSignals`, `finishedIfInterrupted`, `undoneIfInterrupted`, the demos'
 * `DemoInterrupt`) or, with nothing to stop or undo (`simulate`), leaves them to Node, which
 * ends it at once even in the middle of synchronous work. A listener kept for the command's whole
 * run would wait for that work to yield (a replay on the main thread: tens of seconds). As PID 1
 * there is no such default: `endOnUnhandledSignalsAsPidOne` stands in for it.
 */
export function endOnSignalsWhileLoading(command: string): () => Promise<void> {
  const handle = (signal: InterruptSignal) => {
    const exitCode = interruptedExitCode(signal);
    process.stderr.write(`${command}: interrupted by ${signal} while loading: exiting ${exitCode}\n`);
    process.exit(exitCode);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return async () => {
    await signalsDelivered();
    process.removeListener('SIGINT', handle);
    process.removeListener('SIGTERM', handle);
  };
}

/**
 * Resolves once the event loop has polled for I/O since the call, and so has run the listeners of
 * any signal that arrived before it. Node learns of a signal from a pipe the event loop polls, and
 * a signal whose last listener is removed before that poll is dropped, not passed to the next
 * listener or to Node's default. The modules are evaluated synchronously, after the last file is
 * read, within the loop's poll phase: a signal meanwhile is seen by the next poll at the earliest.
 * The first immediate runs in the check phase of that same turn (its poll already over), the
 * second in the next turn's, after that turn's poll.
 */
async function signalsDelivered(): Promise<void> {
  for (let turn = 0; turn < 2; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
