import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../cli/main.js');

/**
 * The platform's own parts (collector, scaler, report) run by a demo as child processes of this
 * CLI, each logging to `<out>/<name>.log`, all stopped together at teardown.
 */
export class DemoProcesses {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly out: string, private readonly env: NodeJS.ProcessEnv) {}

  start(name: string, args: string[]): ChildProcess {
    const child = spawn(process.execPath, [CLI, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(join(this.out, `${name}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.push(child);
    return child;
  }

  /** Runs a part to its end; resolves with its exit code. */
  async run(name: string, args: string[]): Promise<number | null> {
    const child = this.start(name, args);
    return new Promise((done) => child.once('exit', done));
  }

  stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  }

  stopAll(): void {
    for (const child of this.children) child.kill('SIGTERM');
  }
}
