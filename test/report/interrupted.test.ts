/**
 * `scalewright report` stopped by Ctrl-C (SIGINT) or SIGTERM while it waits for InfluxDB: like a
 * failed report, it leaves nothing it made (the folders it created for --out), and it exits the way
 * a shell reports a process the signal ended, 130 or 143, with one line saying so. The real CLI
 * (dist/), since the signal ends the process.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentServer, type SilentServer } from '../support/failingDependencies.js';
import { run, waitUntil } from '../support/processes.js';

describe('report interrupted while InfluxDB does not answer', () => {
  let dir: string;
  let silent: SilentServer;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sw-report-interrupted-'));
    silent = await silentServer();
  });
  afterEach(async () => {
    await silent.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a report on the silent InfluxDB (a minute to answer), and waits until it is waiting on it. */
  const waitingReport = async (out: string) => {
    const report = run(['report', '--influx-url', silent.url, '--service', 'checkout', '--out', out], { INFLUX_TIMEOUT_MS: '60000' });
    await waitUntil('the report to ask InfluxDB', async () => silent.requests() > 0, 10_000);
    return report;
  };

  for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: the folders it made for --out are removed, exit ${exitCode}, one line on stderr`, async () => {
      const out = join(dir, 'new', 'reports');
      const report = await waitingReport(out);
      expect(existsSync(out)).toBe(true);
      const started = Date.now();
      expect(await report.stop(signal)).toBe(exitCode);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await readdir(dir)).toEqual([]);
      expect(report.output()).toContain(`report interrupted by ${signal}: what it had made is removed\n`);
    });
  }

  it('a folder that was there before stays, with what is in it', async () => {
    await writeFile(join(dir, 'earlier.html'), 'an earlier report');
    const report = await waitingReport(dir);
    expect(await report.stop('SIGINT')).toBe(130);
    expect(await readdir(dir)).toEqual(['earlier.html']);
  });
});
