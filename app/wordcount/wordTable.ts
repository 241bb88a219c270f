import { ASCII_WHITESPACE } from '../fileChunks/separators.js';
import { collectGarbage } from './collectGarbage.js';
import { prefixKeyOf, SORT_BYTES_PER_ID, sortIdsByCount, sortIdsByWord } from './sortIds.js';

/**
 * For each byte: the byte itself with ASCII letters lower-cased, or 256 for ASCII whitespace.
 * One load per byte answers both "does the word go on?" and "what byte goes into the hash?".
 */
const LOWER_OR_SPACE = (() => {
  const table = new Uint16Array(256);
  for (let c = 0; c < 256; c++) table[c] = c >= 65 && c <= 90 ? c + 32 : c;
  for (const c of ASCII_WHITESPACE) table[c] = 256;
  return table;
})();

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/**
 * Bytes per distinct word outside the arena: hash, offset, length, count (8), two slots, and what
 * sorting the table for a spill or the output takes per word.
 */
const BYTES_PER_ENTRY = 4 + 4 + 4 + 8 + 2 * 4 + SORT_BYTES_PER_ID;
const INITIAL_ENTRIES = 1 << 14;
const INITIAL_ARENA = 1 << 18;

/**
 * Counts words straight from the input bytes: an open-addressing hash table (linear probing)
 * whose entries are columns of typed arrays and whose words live in one Buffer arena, so the hot
 * path allocates nothing per word. It starts small (a small vocabulary stays cache-resident) and
 * doubles until `budgetBytes` would be exceeded; then `scan` stops and the caller spills.
 */
export class WordTable {
  private slots = new Int32Array(0);
  private hashes = new Int32Array(0);
  private offsets = new Int32Array(0);
  private lengths = new Int32Array(0);
  private counts = new Float64Array(0);
  private arena = Buffer.allocUnsafe(0);
  private arenaUsed = 0;
  private size = 0;
  /** Words counted since the table was made, repeats included: a reset (after a spill to a run) keeps it, as the total is of the whole range. */
  totalWords = 0;

  constructor(private budgetBytes: number) {
    this.allocate(initialEntries(budgetBytes), initialArena(budgetBytes));
  }

  /** Empty columns for `entries` words (twice as many slots) and an arena of `arenaBytes`. */
  private allocate(entries: number, arenaBytes: number): void {
    this.slots = new Int32Array(entries * 2);
    this.hashes = new Int32Array(entries);
    this.offsets = new Int32Array(entries);
    this.lengths = new Int32Array(entries);
    this.counts = new Float64Array(entries);
    this.arena = Buffer.allocUnsafe(arenaBytes);
    this.size = 0;
    this.arenaUsed = 0;
  }

  get distinctWords(): number {
    return this.size;
  }

  /** Bytes the table holds now (its arrays and arena). */
  get allocatedBytes(): number {
    return this.hashes.length * BYTES_PER_ENTRY + this.arena.length;
  }

  /**
   * Counts the words of `bytes[from, to)` (which holds whole words). Returns `to`, or the start of
   * the first word that did not fit in the budget: spill, `reset`, and call again from there.
   */
  scan(bytes: Uint8Array, from: number, to: number): number {
    const table = LOWER_OR_SPACE;
    let slots = this.slots;
    let mask = slots.length - 1;
    const hashes = this.hashes;
    const lengths = this.lengths;
    const offsets = this.offsets;
    const counts = this.counts;
    const arena = this.arena;
    let words = 0;
    let i = from;
    outer: while (i < to) {
      let l = table[bytes[i]!]!;
      if (l === 256) {
        i++;
        continue;
      }
      const start = i;
      let h = FNV_OFFSET;
      do {
        h = Math.imul(h ^ l, FNV_PRIME);
        i++;
      } while (i < to && (l = table[bytes[i]!]!) !== 256);
      const len = i - start;
      let slot = h & mask;
      for (;;) {
        const e = slots[slot]!;
        if (e === 0) break;
        const k = e - 1;
        if (hashes[k] === h && lengths[k] === len) {
          const off = offsets[k]!;
          let j = 0;
          while (j < len && table[bytes[start + j]!] === arena[off + j]) j++;
          if (j === len) {
            counts[k]!++;
            words++;
            continue outer;
          }
        }
        slot = (slot + 1) & mask;
      }
      // A new word.
      if (this.size === this.hashes.length || this.arenaUsed + len > this.arena.length) {
        if (!this.grow(len)) {
          this.totalWords += words;
          return start;
        }
        this.totalWords += words;
        words = 0;
        // The arrays were replaced: take the new ones (rare, so re-entering is simplest).
        return this.scan(bytes, start, to);
      }
      const k = this.size++;
      let off = this.arenaUsed;
      hashes[k] = h;
      offsets[k] = off;
      lengths[k] = len;
      counts[k] = 1;
      for (let j = start; j < i; j++) arena[off++] = table[bytes[j]!]!;
      this.arenaUsed = off;
      slots[slot] = k + 1;
      words++;
    }
    this.totalWords += words;
    return to;
  }

  /** Lets the table grow further (e.g. once helper threads have finished and freed their share). */
  raiseBudget(budgetBytes: number): void {
    this.budgetBytes = Math.max(this.budgetBytes, budgetBytes);
  }

  /**
   * Whether `entries` more words of `wordBytes` bytes in all would surely fit within the budget
   * (counting the moment of a doubling, when old and new arrays are both alive).
   */
  hasRoomFor(entries: number, wordBytes: number): boolean {
    let entryCap = this.hashes.length;
    while (entryCap < this.size + entries) entryCap *= 2;
    let arenaCap = this.arena.length;
    while (arenaCap < this.arenaUsed + wordBytes) arenaCap *= 2;
    return entryCap * BYTES_PER_ENTRY * 1.5 + arenaCap * 1.5 <= this.budgetBytes;
  }

  /** Adds `count` to a word given already lower-cased; false (nothing added) when it does not fit. */
  addCounted(bytes: Uint8Array, offset: number, length: number, count: number): boolean {
    let h = FNV_OFFSET;
    for (let j = offset; j < offset + length; j++) h = Math.imul(h ^ bytes[j]!, FNV_PRIME);
    for (;;) {
      const mask = this.slots.length - 1;
      let slot = h & mask;
      for (;;) {
        const e = this.slots[slot]!;
        if (e === 0) break;
        const k = e - 1;
        if (this.hashes[k] === h && this.lengths[k] === length && compareBytes(bytes, offset, length, this.arena, this.offsets[k]!, length) === 0) {
          this.counts[k] = this.counts[k]! + count;
          this.totalWords += count;
          return true;
        }
        slot = (slot + 1) & mask;
      }
      if (this.size === this.hashes.length || this.arenaUsed + length > this.arena.length) {
        if (!this.grow(length)) return false;
        continue; // the slots were rebuilt: probe again
      }
      const k = this.size++;
      this.hashes[k] = h;
      this.offsets[k] = this.arenaUsed;
      this.lengths[k] = length;
      this.counts[k] = count;
      this.arena.set(bytes.subarray(offset, offset + length), this.arenaUsed);
      this.arenaUsed += length;
      this.slots[slot] = k + 1;
      this.totalWords += count;
      return true;
    }
  }

  /** Forgets every word and gives its memory back (before a merge needs the budget). */
  release(): void {
    this.sortArray = new Int32Array(0);
    this.sortScratch = new Float64Array(0);
    this.allocate(16, 64);
    collectGarbage();
  }

  /** Forgets every word (after a spill), keeping the grown arrays for the next run. */
  reset(): void {
    this.slots.fill(0);
    this.size = 0;
    this.arenaUsed = 0;
  }

  /** Entry ids sorted by word bytes (for runs: the merge needs word order). */
  sortedByWord(): Int32Array {
    const ids = this.ids();
    sortIdsByWord(ids, this.prefixKey, this.compareWords, this.sortScratch);
    return ids;
  }

  /** Entry ids in the output order: count descending, then word ascending by bytes. */
  sortedByCount(): Int32Array {
    const ids = this.ids();
    const counts = this.counts;
    sortIdsByCount(ids, (id) => counts[id]!, this.prefixKey, this.compareWords, this.sortScratch);
    return ids;
  }

  private readonly prefixKey = (id: number): number => prefixKeyOf(this.arena, this.offsets[id]!, this.lengths[id]!);

  private readonly compareWords = (a: number, b: number): number =>
    compareBytes(this.arena, this.offsets[a]!, this.lengths[a]!, this.arena, this.offsets[b]!, this.lengths[b]!);

  /** Where the entry's word bytes are: `arena[offsetOf(id), offsetOf(id) + lengthOf(id))`. */
  get arenaBytes(): Buffer {
    return this.arena;
  }

  offsetOf(id: number): number {
    return this.offsets[id]!;
  }

  lengthOf(id: number): number {
    return this.lengths[id]!;
  }

  countOf(id: number): number {
    return this.counts[id]!;
  }

  /**
   * The ids 0..size-1 in the table's own sort array (a view, valid until the next sort). Kept
   * from one spill to the next: allocating it per spill leaves megabytes of garbage that V8
   * collects only once external memory has grown by tens of megabytes.
   */
  private ids(): Int32Array {
    if (this.sortArray.length < this.hashes.length) {
      this.sortArray = new Int32Array(this.hashes.length);
      this.sortScratch = new Float64Array(this.hashes.length);
    }
    const ids = this.sortArray.subarray(0, this.size);
    for (let k = 0; k < ids.length; k++) ids[k] = k;
    return ids;
  }

  private sortArray = new Int32Array(0);
  private sortScratch = new Float64Array(0);

  /**
   * An empty table that a word does not fit, its arena doubled past the budget or its columns grown
   * by the words before the last spill: it has nothing to keep, so it starts again at its first
   * size, with an arena of the word's size if that is more. A word of half the budget always fits
   * then (the columns and the first arena take a quarter each at most), so the longest word is
   * what `longestWord` says; before, it was the power of two below (2 MiB, not 2.2, at a 5 MiB
   * budget), and after spills of big tables less still.
   */
  private startOverFor(wordLength: number): boolean {
    const entries = initialEntries(this.budgetBytes);
    const arenaBytes = Math.max(initialArena(this.budgetBytes), wordLength);
    if (entries * BYTES_PER_ENTRY + arenaBytes > this.budgetBytes) return false;
    const big = this.allocatedBytes > 8 << 20;
    this.sortArray = new Int32Array(0);
    this.sortScratch = new Float64Array(0);
    // The old columns go first, so that a big table's memory is free before the new one is taken.
    this.allocate(0, 0);
    if (big) collectGarbage();
    this.allocate(entries, arenaBytes);
    return true;
  }

  /**
   * Doubles whatever is full, if that fits the budget. Columns are replaced one at a time and,
   * for a big table, each old one is collected before the next is copied, so the peak is the new
   * table plus the largest old column rather than two whole tables.
   */
  private grow(wordLength: number): boolean {
    const entriesFull = this.size === this.hashes.length;
    const arenaFull = this.arenaUsed + wordLength > this.arena.length;
    const oldCap = this.hashes.length;
    const entryCap = entriesFull ? oldCap * 2 : oldCap;
    let arenaCap = this.arena.length;
    while (this.arenaUsed + wordLength > arenaCap) arenaCap *= 2;
    const after = entryCap * BYTES_PER_ENTRY + arenaCap;
    const largestOld = Math.max(entriesFull ? oldCap * 8 : 0, arenaFull ? this.arena.length : 0);
    if (after + largestOld > this.budgetBytes || entryCap > 1 << 29) return this.size === 0 && this.startOverFor(wordLength);
    const big = after > 8 << 20;
    const settle = (): void => {
      if (big) collectGarbage();
    };
    if (arenaFull) {
      const arena = Buffer.allocUnsafe(arenaCap);
      this.arena.copy(arena, 0, 0, this.arenaUsed);
      this.arena = arena;
      settle();
    }
    if (entriesFull) {
      // The sort arrays are rebuilt at the next sort; drop the old ones first.
      this.sortArray = new Int32Array(0);
      this.sortScratch = new Float64Array(0);
      this.slots = new Int32Array(0);
      settle();
      this.hashes = copyInto(new Int32Array(entryCap), this.hashes);
      settle();
      this.offsets = copyInto(new Int32Array(entryCap), this.offsets);
      settle();
      this.lengths = copyInto(new Int32Array(entryCap), this.lengths);
      settle();
      this.counts = copyInto(new Float64Array(entryCap), this.counts);
      settle();
      const slots = new Int32Array(entryCap * 2);
      const mask = slots.length - 1;
      for (let k = 0; k < this.size; k++) {
        let slot = this.hashes[k]! & mask;
        while (slots[slot] !== 0) slot = (slot + 1) & mask;
        slots[slot] = k + 1;
      }
      this.slots = slots;
    }
    return true;
  }
}

/** Entries a new table starts with: a quarter of its budget at most. */
function initialEntries(budgetBytes: number): number {
  return Math.max(16, Math.min(INITIAL_ENTRIES, floorPow2(budgetBytes / 4 / BYTES_PER_ENTRY)));
}

/** The arena a new table starts with: a quarter of its budget at most. */
function initialArena(budgetBytes: number): number {
  return Math.max(64, Math.min(INITIAL_ARENA, Math.floor(budgetBytes / 4)));
}

function copyInto<T extends Int32Array | Float64Array>(target: T, source: T): T {
  target.set(source);
  return target;
}

function floorPow2(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** Byte-wise comparison, shorter first on a common prefix (the C reference's memcmp + length). */
export function compareBytes(a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number): number {
  const n = aLen < bLen ? aLen : bLen;
  for (let j = 0; j < n; j++) {
    const d = a[aOff + j]! - b[bOff + j]!;
    if (d !== 0) return d;
  }
  return aLen - bLen;
}
