/**
 * The name among `candidates` that `typed` most likely meant, for a "did you mean" hint: the
 * closest by edit distance (a swap of two neighbours counts as one edit, case is ignored), and
 * only when it is close: at most one edit in three characters, and never more than three. A hint
 * that guesses wide misleads more than no hint, so a far name gets none.
 */
export function nearestName<T>(typed: string, candidates: readonly { name: string; value: T }[]): T | undefined {
  const word = typed.toLowerCase();
  const allowed = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: { value: T; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate.name.toLowerCase());
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { value: candidate.value, distance };
  }
  return best?.value;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => rows[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, at(i - 2, j - 2) + 1);
      rows[i]![j] = distance;
    }
  }
  return at(a.length, b.length);
}
