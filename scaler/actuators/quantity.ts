/**
 * Kubernetes resource quantities (`500m`, `1.5`, `256Mi`, `1G`, `1e3`) to numbers and back, for
 * CPU (cores) and memory (bytes).
 */
const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export function parseQuantity(text: string | number | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (typeof text === 'number') return text;
  const match = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([a-zA-Z]{0,2})$/.exec(text.trim());
  if (!match) return undefined;
  const factor = SUFFIX[match[2] ?? ''];
  if (factor === undefined) return undefined;
  // `1e400` or `1e300E` is too large for a number: no quantity, rather than an Infinity limit.
  const value = Number(match[1]) * factor;
  return Number.isFinite(value) ? value : undefined;
}

/** Cores as millicores (`250m`), the form kubectl shows. */
export function cpuQuantity(cores: number): string {
  return `${Math.max(1, Math.round(cores * 1000))}m`;
}

/** Bytes as Mi when whole, else plain bytes. */
export function memoryQuantity(bytes: number): string {
  const rounded = Math.round(bytes);
  return rounded % 2 ** 20 === 0 ? `${rounded / 2 ** 20}Mi` : String(rounded);
}
