/** The median step between consecutive timestamps (at least two): a trace's usual row spacing. */
export function medianStep(times: Float64Array): number {
  const steps = new Float64Array(times.length - 1);
  for (let i = 1; i < times.length; i += 1) steps[i - 1] = (times[i] as number) - (times[i - 1] as number);
  steps.sort();
  return steps[Math.floor(steps.length / 2)] as number;
}
