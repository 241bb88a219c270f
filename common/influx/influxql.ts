/**
 * Quoting for InfluxQL text built from names and values that come from outside (service names,
 * container names), so a label can never change the meaning of a query.
 */
export function quoteIdentifier(name: string): string {
  return `"${escapeQuoted(name).replace(/"/g, '\\"')}"`;
}

export function quoteString(value: string): string {
  return `'${escapeQuoted(value).replace(/'/g, "\\'")}'`;
}

/**
 * A line end inside quotes ends InfluxQL's scan with "bad string" (a name with one made the query
 * throw, which the scaler took for InfluxDB unreachable): written as the escape `\n` instead.
 * InfluxQL has no escape for a carriage return (it reads one as a line end): such a name still throws.
 */
function escapeQuoted(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A regex literal matching exactly one of `values`: `/^(a|b)$/`. */
export function exactRegex(values: readonly string[]): string {
  const escaped = values.map((value) => value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return `/^(${escaped.join('|')})$/`;
}
