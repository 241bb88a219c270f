/**
 * A private influxd the test can stop and start again (same ports, same data), for the outage
 * test: the shared one from the global setup must stay up for the other suites.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { influxdFolder } from '../../support/influxdConfig.js';

export class PrivateInfluxd {
  private child: ChildProcess | undefined;

  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly config: string,
  ) {}

  static async create(): Promise<PrivateInfluxd> {
    const { url, dir, config } = await influxdFolder('sw-influx-own-');
    return new PrivateInfluxd(url, dir, config);
  }

  async start(): Promise<void> {
    this.child = spawn('influxd', ['run', '-config', this.config], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (await fetch(`${this.url}/ping`).then((r) => r.status === 204).catch(() => false)) return;
      await sleep(100);
    }
    throw new Error('private influxd did not come up');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
