import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../cli/main.js');

/** How long a part gets to stop on SIGTERM at the demo's end before it is killed. */
export const PART_STOP_GRACE_MS = 15_000;

interface Part {
  readonly child: ChildProcess;
  /** The process has ended and its log file holds all it wrote, stderr's last line included. */
  readonly closed: Promise<void>;
}

/**
 * The platform's own parts (collector, scaler, report) run by a demo as child processes of this
 * CLI, each logging its stdout and stderr to `<out>/<name>.log`, all stopped together at teardown.
 */
export class DemoProcesses {
  private readonly parts: Part[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly out: string, private readonly env: NodeJS.ProcessEnv, private readonly cli = CLI) {}

  start(name: string, args: string[]): ChildProcess {
    return this.launch(name, args).child;
  }

  /** Runs a part to its end; resolves with its exit code. */
  async run(name: string, args: string[]): Promise<number | null> {
    const { child, closed } = this.launch(name, args);
    await closed;
    return child.exitCode;
  }

  private launch(name: string, args: string[]): Part {
    const child = spawn(process.execPath, [this.cli, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(join(this.out, `${name}.log`));
    // Two streams into one file: neither may end it, or what the other writes last is lost.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const part = { child, closed: new Promise<void>((done) => child.once('close', () => log.end(done))) };
    this.parts.push(part);
    return part;
  }

  /**
   * Stops every part still running (SIGTERM) and waits for each to end, killing one that takes
   * longer than `graceMs`: a part then stops as it does anywhere (the collector writes the points
   * it holds, the scaler hands its lease back) while InfluxDB and the containers are still there,
   * and its log is whole before the demo goes on to remove them and exits. Once: an interrupt
   * starts it and the teardown waits for the same stop (a second SIGTERM would be logged as one).
   */
  stopAll(graceMs = PART_STOP_GRACE_MS): Promise<void> {
    return (this.stopping ??= this.stopEach(graceMs));
  }

  private async stopEach(graceMs: number): Promise<void> {
    await Promise.all(
      this.parts.map(async ({ child, closed }) => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const overdue = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await closed;
        clearTimeout(overdue);
      }),
    );
  }
}
