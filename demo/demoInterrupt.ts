import { interruptedExitCode, type InterruptSignal } from '../cli/exitCodes.js';
import { secondInterruptMessage } from './leftBehind.js';

/** Something a demo made that an interrupt removes, and the commands that remove it by hand. */
export interface Made {
  readonly undo: () => Promise<void>;
  readonly byHand: readonly string[];
}

/** Where the handler's effects go: the process, or a test's record. */
export interface InterruptIo {
  exit(code: number): void;
  stderr(text: string): void;
}

const processIo: InterruptIo = { exit: (code) => process.exit(code), stderr: (text) => void process.stderr.write(text) };

/**
 * A demo's interrupt handling, installed before it makes anything (images built, an input file
 * written, containers started), so that SIGINT (Ctrl-C) or SIGTERM at any point removes what was
 * made so far. The first signal aborts `signal` (builds and file writes in progress stop), undoes
 * everything still `track`ed, newest first, then exits 130 or 143. A second signal during that
 * teardown does not wait for it: it says on stderr what may be left and the commands that remove
 * it, and exits at once, 128 + its own number (common practice: Docker Compose and many CLIs end
 * at the second Ctrl-C).
 */
export class DemoInterrupt {
  private readonly tracked = new Set<Made>();
  private readonly interrupting = new AbortController();
  private first: InterruptSignal | undefined;
  private readonly handle = (signal: InterruptSignal) => this.interrupted(signal);

  constructor(private readonly command: string, private readonly io: InterruptIo = processIo) {}

  /** Aborted at the first interrupt: what is in progress stops, and nothing new starts. */
  get signal(): AbortSignal {
    return this.interrupting.signal;
  }

  install(): this {
    process.on('SIGINT', this.handle);
    process.on('SIGTERM', this.handle);
    return this;
  }

  dispose(): void {
    process.removeListener('SIGINT', this.handle);
    process.removeListener('SIGTERM', this.handle);
  }

  /**
   * Tracks `made` until it is undone; returns its undo, run once however often it is called (by
   * the run's own end and by an interrupt alike), after which it is no longer tracked.
   */
  track(made: Made): () => Promise<void> {
    let undone: Promise<void> | undefined;
    const entry: Made = {
      byHand: made.byHand,
      undo: () =>
        (undone ??= made.undo().finally(() => {
          this.tracked.delete(entry);
        })),
    };
    this.tracked.add(entry);
    return entry.undo;
  }

  /** The handler, for SIGINT and SIGTERM alike (exposed for tests). */
  interrupted(signal: InterruptSignal): void {
    if (this.first) {
      // Newest first, as the teardown goes: the containers before the network and the volume they use.
      this.io.stderr(secondInterruptMessage(this.command, signal, [...this.tracked].reverse().flatMap((made) => made.byHand)));
      this.io.exit(interruptedExitCode(signal));
      return;
    }
    this.first = signal;
    this.io.stderr(`${this.command}: interrupted by ${signal}: removing what it made (interrupt again to exit at once)\n`);
    this.interrupting.abort(new Error(`${this.command} interrupted by ${signal}`));
    const newestFirst = [...this.tracked].reverse();
    void (async () => {
      // One after another: the containers go before the network and the volume they use.
      for (const made of newestFirst) await made.undo().catch(() => undefined);
      this.io.exit(interruptedExitCode(signal));
    })();
  }

  /**
   * Runs the demo's work with the handler installed. Interrupted, the work's own outcome (it fails
   * as what it waited on is removed) is not reported: the handler exits once the teardown is
   * done, so this never settles.
   */
  async run(work: () => Promise<number>): Promise<number> {
    this.install();
    const outcome = await work().then(
      (code) => ({ ok: true as const, code }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (this.first) return new Promise<number>(() => undefined);
    this.dispose();
    if (!outcome.ok) throw outcome.error;
    return outcome.code;
  }
}
