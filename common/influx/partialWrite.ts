/**
 * How many lines of a `/write` batch that influxd 1.x answered 400 it did not store, when its
 * answer says; `undefined` when it does not, and the whole batch must be taken as refused.
 *
 * A 400 does not always refuse the whole batch. influxd stores the lines it can and answers
 * `{"error":"partial write: <reason> dropped=N"}` for those it dropped on a field type conflict
 * with stored points, a time beyond the retention policy or a series limit. Lines it could not
 * parse are dropped too, but reported as `partial write: unable to parse '<line>': <why>`, one
 * per line (joined by line ends), with `dropped=0`: each is counted here. (Both at once, influxd
 * names only the conflict: its unparsable lines are then counted as written.) A 400 with no count
 * stored nothing: `field type conflict` alone (a conflict within a batch that opens a new shard),
 * or every line unparsable (`unable to parse …` without `partial write`).
 */
export function linesDroppedByPartialWrite(body: string, batchLines: number): number | undefined {
  const message = errorMessage(body);
  if (!message.startsWith('partial write:')) return undefined;
  const said = /\bdropped=(\d+)$/.exec(message.trimEnd());
  const unparsable = message.match(/(?:^partial write:\s*|\n)unable to parse '/g)?.length ?? 0;
  const dropped = Number(said?.[1] ?? 0) + unparsable;
  // "partial write" with nothing counted says something was lost, not how much.
  if (dropped === 0) return undefined;
  return Math.min(dropped, batchLines);
}

/** influxd answers `{"error":"…"}`; anything else (a proxy's page) is taken as it is. */
function errorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed && typeof parsed.error === 'string') return parsed.error;
  } catch {
    // Not JSON.
  }
  return body;
}
