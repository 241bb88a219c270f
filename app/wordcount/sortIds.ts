/**
 * Sorting the ids of a table (or of the count-order buffer) in bounded memory and fast.
 *
 * The built-in `TypedArray.prototype.sort(comparator)` copies the array into the JS heap (8+ bytes
 * per element plus a merge buffer) and calls back into JS for every comparison: for a million
 * words that is slow and far outside the memory budget. Instead ids are packed with an
 * order-preserving numeric key into a Float64Array (`key * 2^21 + id`), sorted natively in place
 * without a comparator, and only runs of equal keys are finished with the full comparison.
 */
export const MAX_PACKED_IDS = 1 << 21;
const ID_SPAN = 2 ** 21;

/** Extra bytes per element the sorts below use: the id (4) and its packed key (8). */
export const SORT_BYTES_PER_ID = 12;

/**
 * Sorts `ids` by word bytes ascending. `prefixKey(id)` must be the word's first 4 bytes read
 * big-endian with zero padding (a 32-bit unsigned number), which never contradicts byte order.
 */
export function sortIdsByWord(
  ids: Int32Array,
  prefixKey: (id: number) => number,
  compareWords: (a: number, b: number) => number,
  scratch: Float64Array,
): void {
  // Short spans (ties of one count, mostly) sort faster by plain comparison.
  if (ids.length < 64 || ids.length > MAX_PACKED_IDS || scratch.length < ids.length) {
    quicksort(ids, 0, ids.length - 1, compareWords);
    return;
  }
  const packed = scratch.subarray(0, ids.length);
  for (let k = 0; k < ids.length; k++) packed[k] = prefixKey(ids[k]!) * ID_SPAN + ids[k]!;
  packed.sort();
  finishTies(ids, packed, compareWords);
}

/**
 * Sorts `ids` by count descending, then word ascending. Counts above 2^31 share one key and are
 * ordered by the full comparison, which stays correct (only slower) for such rare giants.
 */
export function sortIdsByCount(
  ids: Int32Array,
  countOf: (id: number) => number,
  prefixKey: (id: number) => number,
  compareWords: (a: number, b: number) => number,
  scratch: Float64Array,
): void {
  const compare = (a: number, b: number): number => countOf(b) - countOf(a) || compareWords(a, b);
  if (ids.length > MAX_PACKED_IDS || scratch.length < ids.length) {
    quicksort(ids, 0, ids.length - 1, compare);
    return;
  }
  const packed = scratch.subarray(0, ids.length);
  const top = 2 ** 31;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    packed[k] = (top - Math.min(countOf(id), top)) * ID_SPAN + id;
  }
  packed.sort();
  for (let k = 0; k < ids.length; k++) ids[k] = packed[k]! % ID_SPAN;
  // Giant counts all packed as one key: they come first, in id order; put them in full order.
  let start = 0;
  while (start < ids.length && countOf(ids[start]!) >= top) start++;
  if (start > 1) quicksort(ids, 0, start - 1, compare);
  // Within one count, words ascending: sort each span of equal count by word.
  while (start < ids.length) {
    const count = countOf(ids[start]!);
    let end = start + 1;
    while (end < ids.length && countOf(ids[end]!) === count) end++;
    if (end - start > 1) {
      const span = ids.subarray(start, end);
      sortIdsByWord(span, prefixKey, compareWords, scratch);
    }
    start = end;
  }
}

/** Unpacks sorted `packed` into `ids` and sorts each run of equal keys with `compare`. */
function finishTies(ids: Int32Array, packed: Float64Array, compare: (a: number, b: number) => number): void {
  const n = ids.length;
  let start = 0;
  while (start < n) {
    const key = Math.floor(packed[start]! / ID_SPAN);
    ids[start] = packed[start]! - key * ID_SPAN;
    let end = start + 1;
    while (end < n && Math.floor(packed[end]! / ID_SPAN) === key) {
      ids[end] = packed[end]! - key * ID_SPAN;
      end++;
    }
    if (end - start > 1) quicksort(ids, start, end - 1, compare);
    start = end;
  }
}

/** In-place quicksort of `a[lo..hi]` (median of three, insertion sort for short spans). */
export function quicksort(a: Int32Array, lo: number, hi: number, compare: (x: number, y: number) => number): void {
  while (hi - lo > 16) {
    const mid = lo + ((hi - lo) >> 1);
    if (compare(a[mid]!, a[lo]!) < 0) swap(a, mid, lo);
    if (compare(a[hi]!, a[lo]!) < 0) swap(a, hi, lo);
    if (compare(a[hi]!, a[mid]!) < 0) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (compare(a[i]!, pivot) < 0) i++;
      while (compare(a[j]!, pivot) > 0) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      quicksort(a, lo, j, compare);
      lo = i;
    } else {
      quicksort(a, i, hi, compare);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= lo && compare(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** The first 4 bytes of `bytes[offset, offset + length)`, big-endian, zero-padded. */
export function prefixKeyOf(bytes: Uint8Array, offset: number, length: number): number {
  const b0 = length > 0 ? bytes[offset]! : 0;
  const b1 = length > 1 ? bytes[offset + 1]! : 0;
  const b2 = length > 2 ? bytes[offset + 2]! : 0;
  const b3 = length > 3 ? bytes[offset + 3]! : 0;
  return ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}
