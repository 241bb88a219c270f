/**
 * A request bounded by a timeout and another signal, to a server that takes the connection and
 * never answers, is given up at its timeout however many garbage collections run meanwhile.
 * Node 20's `AbortSignal.any` holds its sources weakly: combined with an `AbortSignal.timeout` that
 * nothing else held, the timeout was collected at the first collection and the request waited
 * forever. That is how `scaler --once` hung for good against a silent InfluxDB. Each case runs in
 * a process of its own with collections forced every 50 ms (`--expose-gc`), as a long-running
 * scaler meets them.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentServer } from '../support/failingDependencies.js';
import { run } from '../support/processes.js';

const anySignalModule = pathToFileURL(resolve(import.meta.dirname, '../../dist/common/anySignal.js')).href;

/** Runs `script` (an ES module body) under `node --expose-gc`; what it prints, or 'still waiting' if it has not ended within `withinMs`. */
async function underCollections(script: string, withinMs: number): Promise<string> {
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), withinMs);
  await once(child, 'exit');
  clearTimeout(guard);
  return output.trim() || 'still waiting';
}

describe('anySignal: a timeout combined with another signal', () => {
  it('aborts a fetch to a silent server at the timeout, with the timeout\'s own error, under forced garbage collections', async () => {
    const silent = await silentServer();
    try {
      const script = `
        const { anySignal } = await import(${JSON.stringify(anySignalModule)});
        setInterval(() => globalThis.gc(), 50);
        const stopping = new AbortController();
        try { await fetch(${JSON.stringify(silent.url)}, { signal: anySignal([AbortSignal.timeout(500), stopping.signal]) }); }
        catch (error) { console.log(error.name); process.exit(0); }`;
      expect(await underCollections(script, 10_000)).toBe('TimeoutError');
    } finally {
      await silent.close();
    }
  });

  it('aborts with the other signal\'s reason when that comes first', async () => {
    const script = `
      const { anySignal } = await import(${JSON.stringify(anySignalModule)});
      setInterval(() => globalThis.gc(), 50);
      const stopping = new AbortController();
      const signal = anySignal([AbortSignal.timeout(60_000), stopping.signal]);
      signal.addEventListener('abort', () => { console.log(signal.reason); process.exit(0); });
      setTimeout(() => stopping.abort('stopping'), 200);`;
    expect(await underCollections(script, 10_000)).toBe('stopping');
  });
});

describe('scaler --once against a silent InfluxDB, garbage collections running (node --gc-interval)', () => {
  it('gives up at the first timeout and exits 1, as without them: not never', async () => {
    const silent = await silentServer();
    const scaler = run(['scaler', '--once', '--dry-run', '--influx-url', silent.url], { INFLUX_TIMEOUT_MS: '500', LOG_LEVEL: 'silent' }, ['--gc-interval=20000']);
    const guard = setTimeout(() => scaler.child.kill('SIGKILL'), 20_000);
    try {
      const [exitCode] = (await once(scaler.child, 'exit')) as [number | null];
      expect(scaler.output()).toContain(`error: InfluxDB at ${silent.url} did not answer POST /query (CREATE DATABASE "scalewright") within 0.5 s (set by INFLUX_TIMEOUT_MS)`);
      expect(exitCode).toBe(1);
    } finally {
      clearTimeout(guard);
      await silent.close();
    }
  });
});
