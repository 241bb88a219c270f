/**
 * The folder and configuration file of a private influxd (1.x) on free loopback ports: the one the
 * global setup starts for every suite, and the one the outage test stops and starts itself.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../common/freePort.js';

export interface InfluxdFolder {
  /** The HTTP API, e.g. http://127.0.0.1:40123. */
  url: string;
  /** Holds the configuration, meta, data and WAL; the caller removes it. */
  dir: string;
  /** The configuration file, for `influxd run -config`. */
  config: string;
}

/** `extraLines` are appended to the configuration (e.g. a `[continuous_queries]` section). */
export async function influxdFolder(prefix: string, extraLines: readonly string[] = []): Promise<InfluxdFolder> {
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const config = join(dir, 'influxdb.conf');
  await writeFile(config, [
    `bind-address = "127.0.0.1:${rpcPort}"`,
    'reporting-disabled = true',
    '[meta]', `  dir = "${dir}/meta"`,
    '[data]', `  dir = "${dir}/data"`, `  wal-dir = "${dir}/wal"`, '  query-log-enabled = false',
    '[http]', `  bind-address = "127.0.0.1:${httpPort}"`, '  log-enabled = false',
    '[monitor]', '  store-enabled = false',
    ...extraLines,
  ].join('\n'));
  return { url: `http://127.0.0.1:${httpPort}`, dir, config };
}
