/**
 * `scalewright simulate`'s numeric flags take decimal numbers as an operator writes them
 * (`0.5`, `10`, `1e3`) and nothing JavaScript's Number() happens to read as one: `0x10` was a
 * 16-core replica, `0b1` one core. A refusal is the flag's own message, exit 2, before any trace
 * is read.
 */
import { describe, expect, it } from 'vitest';
import { simulateRun } from '../support/simulateRun.js';

const simulate = (args: string[]) => simulateRun(['--trace', '/nonexistent/trace.csv', ...args]);

describe('simulate number flags', () => {
  it.each(['0x10', '0b1', '0o7', ' 4', '4 ', 'Infinity', '1_000'])('--cpu-limit %j is refused: exit 2, naming the flag', async (value) => {
    const { exitCode, stderr } = await simulate(['--cpu-limit', value]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`--cpu-limit must be a positive number, got ${JSON.stringify(value)}`);
  });

  it.each(['0.5', '2', '.25', '1e0', '+1.5'])('--cpu-limit %j is taken (the run then stops at the missing trace, exit 2)', async (value) => {
    const { exitCode, stderr } = await simulate(['--cpu-limit', value]);
    expect(exitCode).toBe(2);
    expect(stderr).toBe('--trace: no such file: /nonexistent/trace.csv\n');
  });
});
