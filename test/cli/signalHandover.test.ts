/**
 * The entry's signal listener (`endOnSignalsWhileLoading`) hands over to the command without
 * losing a signal that came while the modules were evaluated. Node learns of a signal from a pipe
 * its event loop polls; the modules are evaluated synchronously within the loop's poll phase, and
 * a listener removed before the next poll took the signal with it: neither the entry nor the
 * command heard it, and the app went on to listen as if never told to stop (seen in CI). Here the
 * signal is sent from within a poll-phase callback (a file read's), as during that evaluation, and
 * the handover follows at once, as in the CLI's entry.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const entryModule = pathToFileURL(resolve(import.meta.dirname, '../../dist/cli/signalsWhileLoading.js')).href;

/** Runs `script` (an ES module body); its exit code and what it printed, or a SIGKILL after `withinMs`. */
async function outcome(script: string, withinMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), withinMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(guard);
  return { code, output };
}

const signalDuringEvaluation = (signal: 'SIGINT' | 'SIGTERM', afterHandover: string) => `
  import { readFile } from 'node:fs';
  const { endOnSignalsWhileLoading } = await import(${JSON.stringify(entryModule)});
  const handOver = endOnSignalsWhileLoading('scalewright probe');
  readFile(${JSON.stringify(import.meta.filename)}, async () => {
    process.kill(process.pid, '${signal}');
    await handOver();
    ${afterHandover}
    setTimeout(() => { console.log('the signal was lost'); process.exit(0); }, 3000);
  });`;

describe('the handover from the entry\'s signal listener to the command', () => {
  for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} sent while the modules are evaluated ends the process as one while loading (exit ${exitCode}), though the handover follows at once`, async () => {
      const { code, output } = await outcome(signalDuringEvaluation(signal, ''), 20_000);
      expect(output).toBe(`scalewright probe: interrupted by ${signal} while loading: exiting ${exitCode}\n`);
      expect(code).toBe(exitCode);
    });
  }

  it("is not lost when the command listens for the signal itself: the entry's listener still hears it first", async () => {
    const command = "process.on('SIGTERM', () => { console.log('the command heard it'); process.exit(0); });";
    const { code, output } = await outcome(signalDuringEvaluation('SIGTERM', command), 20_000);
    expect(output).toBe('scalewright probe: interrupted by SIGTERM while loading: exiting 143\n');
    expect(code).toBe(143);
  });

  it('leaves a signal after the handover to the command', async () => {
    const script = `
      const { endOnSignalsWhileLoading } = await import(${JSON.stringify(entryModule)});
      await endOnSignalsWhileLoading('scalewright probe')();
      process.on('SIGTERM', () => { console.log('the command heard it'); process.exit(0); });
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => { console.log('the signal was lost'); process.exit(1); }, 3000);`;
    expect(await outcome(script, 20_000)).toEqual({ code: 0, output: 'the command heard it\n' });
  });
});
