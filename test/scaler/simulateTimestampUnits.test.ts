/**
 * `scalewright simulate` replays a trace whose header names its unit in brackets in that unit: a
 * `time (ms)` trace of one row a second was read as seconds, one row every 1000 s, and played
 * 1000 times too slow. A header that names a unit not read is refused, exit 2, saying which unit
 * it saw and which are read; one that names none is seconds, as documented.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateRun } from '../support/simulateRun.js';

/** A trace of four rows 1000 units apart, under this header. */
function traceWithHeader(header: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sim-units-')), 'trace.csv');
  writeFileSync(file, `${header},value\n0,1\n1000,5\n2000,3\n3000,9\n`);
  return file;
}

describe('the timestamp column\'s unit, as the header names it', () => {
  it('time (ms), time [ms] and time-ms are rows a second apart, replayed in real time; time alone is seconds', async () => {
    for (const header of ['time (ms)', 'time [ms]', 'timestamp(ms)', 'time-ms', 'time_msec']) {
      const { exitCode, stdout } = await simulateRun(['--trace', traceWithHeader(header), '--policy', 'hpa']);
      expect(exitCode, header).toBe(0);
      expect(stdout, header).toContain('trace.csv: time: real time (1 s rows);');
    }
    expect((await simulateRun(['--trace', traceWithHeader('time'), '--policy', 'hpa'])).stdout).toContain('trace.csv: time: 1000 s rows replayed over 60 s (16.67× faster);');
  });

  it('a unit that is not read is refused, exit 2, before anything is simulated, naming the unit seen and the units read', async () => {
    const { exitCode, stdout, stderr } = await simulateRun(['--trace', traceWithHeader('Time [ns]')]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^cannot read trace trace\.csv:\n {2}the timestamp column "time \[ns\]" names a unit of time that is not read here \("ns"\): the units read, as the name's last word \(timestamp_ms, time-ms\) or in brackets \(time \(ms\), time \[ms\]\), are s \(sec, [^\n]*, ms \([^\n]*\n$/);
    expect((await simulateRun(['--trace', traceWithHeader('time (fortnights)')])).stderr).toContain('names a unit of time that is not read here ("fortnights")');
  });
});
