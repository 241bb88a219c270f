import { describe, expect, it } from 'vitest';
import { decisionTickerLine } from '../../demo/decisionTicker.js';

const at = Date.UTC(2026, 11, 4, 0, 46, 56);
const row = { time: at, service: 'demo-app', replicas_before: 2, replicas_after: 2, cpu_limit_cores_before: 0.2, cpu_limit_cores_after: 0.13, reason: 'ready replicas carry more of the demand → bridge lowered' };

describe("the demo's live line for the scaler's newest decision", () => {
  it('gives the time, the change and the start of the reason', () => {
    expect(decisionTickerLine({ ...row, replicas_after: 3 }, false)).toBe('00:46:56 replicas 2→3: ready replicas carry more of the demand → bridge lowered');
    expect(decisionTickerLine(row, false)).toBe('00:46:56 cpu 0.20→0.13: ready replicas carry more of the demand → bridge lowered');
    expect(decisionTickerLine({ ...row, cpu_limit_cores_after: 0.2 }, false)).toMatch(/^00:46:56 hold: /);
  });

  it('shows a CPU change smaller than a hundredth of a core to the millicore, not as 0.13→0.13', () => {
    expect(decisionTickerLine({ ...row, cpu_limit_cores_before: 0.13, cpu_limit_cores_after: 0.127838686 }, false)).toMatch(/^00:46:56 cpu 0\.130→0\.128: /);
  });

  it('names the service when the view follows more than one, and cuts the reason at 80 characters', () => {
    const line = decisionTickerLine({ ...row, reason: 'x'.repeat(200) }, true);
    expect(line).toBe(`00:46:56 demo-app cpu 0.20→0.13: ${'x'.repeat(80)}`);
  });
});
