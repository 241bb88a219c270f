/** Parses the flat-keyed cgroup files (`memory.stat`, `cpu.stat`, `memory.events`): `key value` per line. */
export function parseKeyValues(text: string | undefined): Map<string, number> {
  const values = new Map<string, number>();
  if (!text) return values;
  // indexOf rather than regex splits: memory.stat has ~40 lines per container per interval.
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const space = text.indexOf(' ', start);
    if (space > start && space < end) {
      const number = Number(text.slice(space + 1, end));
      if (Number.isFinite(number)) values.set(text.slice(start, space), number);
    }
    start = end + 1;
  }
  return values;
}

/** A single-number cgroup file (`cpuacct.usage`, `memory.current`); undefined when absent or not a number. */
export function parseSingleNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : undefined;
}
