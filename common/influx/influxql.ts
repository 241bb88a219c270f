/**
 * Quoting for InfluxQL text built from names and values that come from outside (service names,
 * container names), so a label can never change the meaning of a query.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A regex literal matching exactly one of `values`: `/^(a|b)$/`. */
export function exactRegex(values: readonly string[]): string {
  const escaped = values.map((value) => value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return `/^(${escaped.join('|')})$/`;
}
