/**
 * Parses the flat-keyed cgroup files (`memory.stat`, `cpu.stat`, `memory.events`): `key value` per
 * line. A key whose value is not a kernel integer (see parseKernelInteger), or that has no value,
 * maps to undefined: it is there but garbled, which is not the same as absent (see optionalKey).
 */
export function parseKeyValues(text: string | undefined): Map<string, number | undefined> {
  const values = new Map<string, number | undefined>();
  if (!text) return values;
  // indexOf rather than regex splits: memory.stat has ~40 lines per container per interval.
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let space = text.indexOf(' ', start);
    if (space < 0 || space > end) space = end;
    if (space > start) values.set(text.slice(start, space), space < end ? parseKernelInteger(text, space + 1, end) : undefined);
    start = end + 1;
  }
  return values;
}

/**
 * A key some kernels do not write (`nr_throttled` before CFS quotas, `oom_kill` before 4.13):
 * absent, it reads as 0, as those kernels would count; present but garbled, it is unknown, since
 * a 0 there would be taken for a count (no throttling, no OOM kill) that the file never gave.
 */
export function optionalKey(values: ReadonlyMap<string, number | undefined>, key: string): number | undefined {
  return values.has(key) ? values.get(key) : 0;
}

/** A single-number cgroup file (`cpuacct.usage`, `memory.current`); undefined when absent or not a kernel integer. */
export function parseSingleNumber(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseKernelInteger(text);
}

/**
 * The number in `text` from `start` to `end` when it is written as the kernel writes cgroup
 * counters and sizes: decimal digits, blanks and line ends around them allowed; else undefined.
 * Number() alone would read `-5`, `0x10`, `1e3` and an empty value (as 0), none of which the
 * kernel writes, so they can only be a garbled or foreign file; a negative limit or usage
 * from one would reach the scaler as a reading. Numbers above 2^53 (v1's "no memory limit",
 * 9223372036854771712) read as the nearest double, which is all the callers need of them.
 */
export function parseKernelInteger(text: string, start = 0, end = text.length): number | undefined {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 /* 0 */ || code > 57 /* 9 */) return undefined;
  }
  const number = Number(text.slice(start, end));
  // Over 308 digits is Infinity.
  return Number.isFinite(number) ? number : undefined;
}

function isBlank(code: number): boolean {
  return code === 32 /* space */ || code === 9 /* tab */ || code === 10 /* \n */ || code === 13 /* \r */;
}
