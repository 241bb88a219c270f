/**
 * A private influxd the test can stop and start again (same ports, same data), for the outage
 * test: the shared one from the global setup must stay up for the other suites.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../../common/freePort.js';

export class PrivateInfluxd {
  private child: ChildProcess | undefined;

  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly config: string,
  ) {}

  static async create(): Promise<PrivateInfluxd> {
    const [httpPort, rpcPort] = [await freePort(), await freePort()];
    const dir = await mkdtemp(join(tmpdir(), 'sw-influx-own-'));
    const config = join(dir, 'influxdb.conf');
    await writeFile(config, [
      `bind-address = "127.0.0.1:${rpcPort}"`,
      'reporting-disabled = true',
      '[meta]', `  dir = "${dir}/meta"`,
      '[data]', `  dir = "${dir}/data"`, `  wal-dir = "${dir}/wal"`, '  query-log-enabled = false',
      '[http]', `  bind-address = "127.0.0.1:${httpPort}"`, '  log-enabled = false',
      '[monitor]', '  store-enabled = false',
    ].join('\n'));
    return new PrivateInfluxd(`http://127.0.0.1:${httpPort}`, dir, config);
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
