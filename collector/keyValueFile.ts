/** Parses the flat-keyed cgroup files (`memory.stat`, `cpu.stat`, `memory.events`): `key value` per line. */
export function parseKeyValues(text: string | undefined): Map<string, number> {
  const values = new Map<string, number>();
  if (!text) return values;
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (!key || value === undefined) continue;
    const number = Number(value);
    if (Number.isFinite(number)) values.set(key, number);
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
