/**
 * Where the report's time axis is labelled, and how: at round instants of UTC (the zone every time
 * of the report is shown in), so that a reader sees 13:05, 13:10, … rather than 13:07:23, 13:14:46.
 * Pure: the chart draws what this returns.
 */
export interface TimeTick {
  /** Epoch ms. */
  readonly at: number;
  readonly label: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 1970-01-01 was a Thursday: weeks counted from it would start on Thursdays, a reader expects Mondays. */
const FIRST_MONDAY = 4 * DAY;

type Step = { readonly ms: number; readonly offset: number } | { readonly months: number };

/**
 * Round steps, shortest first. The 2 s / 2 min / 2 h / 2 d rungs keep neighbours at most 2.5×
 * apart (a week is 3.5× two days), so the step chosen never leaves fewer than about half the ticks
 * asked for. Sub-second rungs only serve ranges shorter than a few seconds, which --from/--to allow.
 */
const FIXED_STEPS: readonly Step[] = [
  ...[1, 2, 5, 10, 20, 50, 100, 200, 500].map((ms) => ({ ms, offset: 0 })),
  ...[1, 2, 5, 10, 15, 30].map((s) => ({ ms: s * SECOND, offset: 0 })),
  ...[1, 2, 5, 10, 15, 30].map((m) => ({ ms: m * MINUTE, offset: 0 })),
  ...[1, 2, 3, 6, 12].map((h) => ({ ms: h * HOUR, offset: 0 })),
  { ms: DAY, offset: 0 },
  { ms: 2 * DAY, offset: 0 },
  { ms: 7 * DAY, offset: FIRST_MONDAY },
  { ms: 14 * DAY, offset: FIRST_MONDAY },
];

/** Months are not a fixed number of ms: 1, 2, 3, 6 months, then 1, 2, 5, 10, 20, 50, … years. */
function* calendarSteps(): Generator<Step> {
  yield* [1, 2, 3, 6].map((months) => ({ months }));
  // Date holds ±273 790 years: no step beyond that is ever needed.
  for (let magnitude = 1; magnitude <= 1e6; magnitude *= 10) for (const years of [1, 2, 5]) yield { months: 12 * years * magnitude };
}

/**
 * Ticks for [fromMs, toMs]: at multiples (in UTC) of the shortest round step that gives at most
 * `maxTicks` of them, every one inside the range. A zero-length range gets one tick, at its only
 * instant; a reversed or non-finite one gets none.
 */
export function timeTicks(fromMs: number, toMs: number, maxTicks = 8): TimeTick[] {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs || maxTicks < 1) return [];
  if (toMs === fromMs) return [{ at: fromMs, label: clockLabel(fromMs, fromMs % SECOND === 0 ? SECOND : 1, false) }];
  for (const step of [...FIXED_STEPS, ...calendarSteps()]) {
    if (countOf(step, fromMs, toMs) > maxTicks) continue;
    const instants = instantsOf(step, fromMs, toMs);
    const first = instants[0];
    const last = instants.at(-1);
    const spansDates = first !== undefined && last !== undefined && dayOf(first) !== dayOf(last);
    return instants.map((at) => ({ at, label: 'months' in step ? calendarLabel(at, step.months) : step.ms >= DAY ? dateText(at) : clockLabel(at, step.ms, spansDates) }));
  }
  return [];
}

function countOf(step: Step, fromMs: number, toMs: number): number {
  if ('ms' in step) return Math.max(0, Math.floor((toMs - step.offset) / step.ms) - Math.ceil((fromMs - step.offset) / step.ms) + 1);
  return Math.max(0, Math.floor(monthIndex(toMs) / step.months) - Math.ceil(monthAtOrAfter(fromMs) / step.months) + 1);
}

function instantsOf(step: Step, fromMs: number, toMs: number): number[] {
  const instants: number[] = [];
  if ('ms' in step) {
    for (let k = Math.ceil((fromMs - step.offset) / step.ms); k * step.ms + step.offset <= toMs; k += 1) instants.push(k * step.ms + step.offset);
  } else {
    for (let k = Math.ceil(monthAtOrAfter(fromMs) / step.months); monthStart(k * step.months) <= toMs; k += 1) instants.push(monthStart(k * step.months));
  }
  return instants;
}

/** Months since year 0 (year × 12 + month), UTC. */
function monthIndex(ms: number): number {
  const date = new Date(ms);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

function monthStart(index: number): number {
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter reads years 0–99 as 1900–1999.
  date.setUTCFullYear(Math.floor(index / 12), ((index % 12) + 12) % 12, 1);
  return date.getTime();
}

function monthAtOrAfter(ms: number): number {
  const index = monthIndex(ms);
  return monthStart(index) < ms ? index + 1 : index;
}

function dayOf(ms: number): number {
  return Math.floor(ms / DAY);
}

const two = (n: number) => String(n).padStart(2, '0');

/** `2026-01-03`; built from the parts because toISOString writes years past 9999 as `+010000`. */
function dateText(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
}

function calendarLabel(ms: number, months: number): string {
  const date = new Date(ms);
  return months % 12 === 0 ? String(date.getUTCFullYear()) : `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}`;
}

/** `13:05`, `13:05:30` when the step is under a minute, `13:05:30.25` under a second; with `01-03 ` before it when the ticks fall on more than one date. */
function clockLabel(ms: number, stepMs: number, withDate: boolean): string {
  const date = new Date(ms);
  let text = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}`;
  if (stepMs < MINUTE) text += `:${two(date.getUTCSeconds())}`;
  if (stepMs < SECOND) {
    const digits = stepMs % 100 === 0 ? 1 : stepMs % 10 === 0 ? 2 : 3;
    text += `.${String(date.getUTCMilliseconds()).padStart(3, '0').slice(0, digits)}`;
  }
  return withDate ? `${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())} ${text}` : text;
}
