/**
 * A CPU limit's change as people read it: in hundredths of a core, unless the change is smaller
 * than that, then to the millicore. A bridge returning from 0.13 to a base of 0.128, or a limit
 * right-sized from 0.1157 to 0.12, read `0.13 → 0.13` and `0.12 → 0.12`: changes that looked like
 * none. An unknown side reads `?`.
 */
export function coresChangeText(before: number | undefined, after: number | undefined): readonly [string, string] {
  const digits = before !== undefined && after !== undefined && before !== after && before.toFixed(2) === after.toFixed(2) ? 3 : 2;
  const text = (cores: number | undefined) => (cores === undefined ? '?' : cores.toFixed(digits));
  return [text(before), text(after)];
}
