/** `scalewright report` when InfluxDB cannot be asked: one line naming it, exit 1, no report. */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { reportCommand } from '../../scaler/report/command.js';
import { capturingStderr, silentServer } from '../support/failingDependencies.js';

const report = (args: string[]) => capturingStderr(() => reportCommand().exitOverride().parseAsync(args, { from: 'user' }));

describe('report, when InfluxDB cannot be asked', () => {
  let out: string;
  const saved = process.env.INFLUX_TIMEOUT_MS;
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'sw-report-'));
    process.env.INFLUX_TIMEOUT_MS = '500';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.INFLUX_TIMEOUT_MS;
    else process.env.INFLUX_TIMEOUT_MS = saved;
  });

  it('an InfluxDB that accepts the connection and never answers: exit 1 with one line naming it and the timeout (INFLUX_TIMEOUT_MS)', async () => {
    const silent = await silentServer();
    try {
      const { stderr, exitCode } = await report(['--influx-url', silent.url, '--service', 'checkout', '--out', out]);
      expect(exitCode).toBe(1);
      expect(stderr).toBe(`error: InfluxDB at ${silent.url} did not answer within 500 ms\n`);
      expect(silent.connections()).toBeGreaterThan(0);
      expect(await readdir(out)).toEqual([]);
    } finally {
      await silent.close();
    }
  });

  it('an InfluxDB that refuses the connection: exit 1 with one line naming it and why', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { stderr, exitCode } = await report(['--influx-url', url, '--service', 'checkout', '--out', out]);
    expect(exitCode).toBe(1);
    expect(stderr).toBe(`error: InfluxDB at ${url} is unreachable: connect ECONNREFUSED ${url.slice('http://'.length)}\n`);
  });

  it('a timeout that is not a number of milliseconds is a configuration error naming the variable', async () => {
    process.env.INFLUX_TIMEOUT_MS = 'soon';
    const { stderr, exitCode } = await report(['--service', 'checkout', '--out', out]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^invalid configuration: .*INFLUX_TIMEOUT_MS/);
  });
});
