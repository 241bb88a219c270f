/**
 * The numbered decision markers on the report's charts stay readable: two decisions close in time
 * (a scale-up, then the scale-out a second later) get their numbers one under the other instead of
 * on the same spot, no number is drawn over another, and every line is drawn before the numbers so
 * that none crosses one out.
 */
import { describe, expect, it } from 'vitest';
import type { DecisionMark } from '../../scaler/report/model.js';
import { lineChart } from '../../scaler/report/svg.js';

const t0 = Date.UTC(2026, 0, 1, 12);
const mark = (second: number, action = 'scale_out'): DecisionMark => ({ time: t0 + second * 1000, action, resource: 'replicas', outcome: 'applied', dryRun: false, reason: 'load', change: 'replicas 1 → 2' });

function chart(decisions: DecisionMark[]): string {
  return lineChart({
    title: 'Replicas',
    format: String,
    series: [{ name: 'replicas', color: '#059669', points: [{ t: t0, v: 1 }, { t: t0 + 600_000, v: 2 }], step: true }],
    from: t0,
    to: t0 + 600_000,
    decisions,
    decisionNumber: (m) => decisions.indexOf(m) + 1,
    maxGapMs: 60_000,
  });
}

/** Each drawn number's box: centre x from its text, half-width from its disc (circle r, or pill width / 2). */
function labelBoxes(svg: string): Array<{ label: string; x: number; y: number; half: number }> {
  return [...svg.matchAll(/<g class="decision">.*?(?:<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"|<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)")[^>]*\/><text[^>]*>(\d+)<\/text><\/g>/g)].map((m) =>
    m[1] !== undefined
      ? { label: m[7] as string, x: Number(m[1]), y: Number(m[2]), half: Number(m[3]) }
      : { label: m[7] as string, x: Number(m[4]) + Number(m[6]) / 2, y: Number(m[5]) + 9, half: Number(m[6]) / 2 },
  );
}

describe('decision markers', () => {
  it('a scale-up and a scale-out one second apart: both numbers drawn, neither over the other', () => {
    const boxes = labelBoxes(chart([mark(100, 'scale_up'), mark(101)]));
    expect(boxes.map((b) => b.label)).toEqual(['1', '2']);
    const [first, second] = boxes as [(typeof boxes)[0], (typeof boxes)[0]];
    const apart = Math.abs(first.x - second.x) >= first.half + second.half || Math.abs(first.y - second.y) >= 18;
    expect(apart).toBe(true);
  });

  it('many decisions close together: no two drawn numbers overlap, and the ones left out still have their line', () => {
    const decisions = Array.from({ length: 150 }, (_, i) => mark(10 + i * 2));
    const svg = chart(decisions);
    const boxes = labelBoxes(svg);
    expect(boxes.length).toBeGreaterThan(3);
    for (const a of boxes) {
      for (const b of boxes) {
        if (a === b) continue;
        expect(Math.abs(a.x - b.x) >= a.half + b.half || Math.abs(a.y - b.y) >= 18, `${a.label} and ${b.label} overlap`).toBe(true);
      }
    }
    expect(svg.match(/<line x1="[\d.]+" y1="34"/g)).toHaveLength(150);
  });

  it('every marker line comes before the first number, so that no line is drawn across a number', () => {
    const svg = chart(Array.from({ length: 40 }, (_, i) => mark(10 + i * 3)));
    const lastLine = svg.lastIndexOf('<line x1="');
    const firstNumber = svg.indexOf('<g class="decision">');
    expect(firstNumber).toBeGreaterThan(lastLine);
  });
});
