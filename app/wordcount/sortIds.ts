/**
 * Sorts an Int32Array of ids in place by `compare`, in O(log n) extra memory. The built-in
 * `TypedArray.prototype.sort(comparator)` copies the array into the JS heap (8+ bytes per
 * element, plus a merge buffer), which for a table of millions of words would blow the memory
 * budget exactly when it is fullest. Quicksort (median of three, insertion sort for short
 * spans, recursion on the smaller side only); `compare` must be a total order (ids are distinct
 * words here), so stability does not matter.
 */
export function sortIds(ids: Int32Array, compare: (a: number, b: number) => number): void {
  quicksort(ids, 0, ids.length - 1, compare);
}

function quicksort(a: Int32Array, lo: number, hi: number, compare: (x: number, y: number) => number): void {
  while (hi - lo > 16) {
    const mid = lo + ((hi - lo) >> 1);
    // Median of three to the middle, then use it as pivot.
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
