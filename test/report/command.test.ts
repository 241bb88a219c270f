/**
 * `scalewright report` when InfluxDB cannot be asked: one line naming it, exit 1, no report; and
 * a failed report leaves nothing it created (the folders made for it, a half-written pair).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../common/freePort.js';
import { writeReport } from '../../scaler/report/build.js';
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
      // What was asked depends on the report's first read; the dependency, the deadline and its setting do not.
      expect(stderr).toMatch(new RegExp(`^error: InfluxDB at ${silent.url.replace(/\./g, '\\.')} did not answer GET /query \\(.+\\) within 0\\.5 s \\(set by INFLUX_TIMEOUT_MS\\)`));
      expect(stderr.split('\n')).toHaveLength(2);
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

describe('a failed report leaves nothing it created', () => {
  let dir: string;
  const saved = process.env.INFLUX_TIMEOUT_MS;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sw-report-left-'));
    process.env.INFLUX_TIMEOUT_MS = '500';
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.INFLUX_TIMEOUT_MS;
    else process.env.INFLUX_TIMEOUT_MS = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('the folders --out made (here two levels) are removed again when InfluxDB does not answer, or refuses', async () => {
    const silent = await silentServer();
    try {
      const silentRun = await report(['--influx-url', silent.url, '--service', 'checkout', '--out', join(dir, 'new', 'reports')]);
      expect(silentRun).toMatchObject({ exitCode: 1, stderr: expect.stringMatching(new RegExp(`^error: InfluxDB at ${silent.url.replace(/\./g, '\\.')} did not answer GET /query \\(.+\\) within 0\\.5 s \\(set by INFLUX_TIMEOUT_MS\\)`)) });
    } finally {
      await silent.close();
    }
    const refusedRun = await report(['--influx-url', `http://127.0.0.1:${await freePort()}`, '--service', 'checkout', '--out', join(dir, 'other', 'reports')]);
    expect(refusedRun.exitCode).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a bad INFLUX_TIMEOUT_MS (exit 2, found after --out was made) leaves no folder either', async () => {
    process.env.INFLUX_TIMEOUT_MS = 'soon';
    const { exitCode } = await report(['--service', 'checkout', '--out', join(dir, 'reports')]);
    expect(exitCode).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a folder that was there stays, with what was in it; of the folders made, one that got a file meanwhile stays', async () => {
    await mkdir(join(dir, 'kept'));
    await writeFile(join(dir, 'kept', 'earlier.html'), 'an earlier report\n');
    const silent = await silentServer();
    try {
      // The run makes kept/new/deeper; while it waits on InfluxDB, someone else writes into kept/new.
      const run = report(['--influx-url', silent.url, '--service', 'checkout', '--out', join(dir, 'kept', 'new', 'deeper')]);
      await expect.poll(() => silent.connections()).toBeGreaterThan(0);
      await writeFile(join(dir, 'kept', 'new', 'theirs.txt'), 'not the report\'s\n');
      expect((await run).exitCode).toBe(1);
    } finally {
      await silent.close();
    }
    expect((await readdir(join(dir, 'kept'))).sort()).toEqual(['earlier.html', 'new']);
    expect(await readdir(join(dir, 'kept', 'new'))).toEqual(['theirs.txt']);
  });

  it('a pair that cannot be written whole is not left half-written: the HTML written before the JSON failed is removed', async () => {
    // A folder where the JSON should go: the HTML is written, the JSON cannot be.
    await mkdir(join(dir, 'incident.json'));
    const report = { title: 'Scaler report', from: 0, to: 60_000, generatedAt: 60_000, services: [] };
    await expect(writeReport(report, dir, 'incident')).rejects.toThrow(/EISDIR/);
    expect(existsSync(join(dir, 'incident.html'))).toBe(false);
    expect(await readdir(dir)).toEqual(['incident.json']);
  });
});
