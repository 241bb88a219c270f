/**
 * Whether a tag value (a service, container or replica name from a Docker label) is stored by
 * InfluxDB exactly as given and can be asked for by name. The line protocol cannot carry line ends
 * or tabs (`Point` writes them as the two characters `\n`, `\t`: another series), nor a trailing
 * backslash (it escapes the separator after it, and InfluxDB refuses the line); a NUL is stored but
 * InfluxQL cannot quote it, nor a carriage return, so neither could be read back by name. The
 * collector does not watch a container with such a name, and the scaler does not evaluate such a
 * service: there would never be data for it, and asking for a CR or NUL fails the query. Empty
 * values are left out of a point.
 */
export function storableTagValue(value: string): boolean {
  return !/[\n\r\t\0]/.test(value) && !value.endsWith('\\');
}
