/**
 * A FIFO of line-protocol lines with a hard bound. When full, the oldest lines go first: for an
 * autoscaler the newest data is the valuable part. Every line dropped is counted.
 */
export class BoundedLineBuffer {
  private lines: string[] = [];
  private head = 0;
  private droppedTotal = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.lines.length - this.head;
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  /** Appends lines; returns how many old lines had to be dropped to make room. */
  push(lines: readonly string[]): number {
    for (const line of lines) this.lines.push(line);
    return this.enforceBound();
  }

  /** Removes and returns up to `count` of the oldest lines. */
  take(count: number): string[] {
    const taken = this.lines.slice(this.head, this.head + count);
    this.head += taken.length;
    this.compact();
    return taken;
  }

  /** Puts lines that could not be sent back in front, still within the bound (oldest dropped). */
  returnToFront(lines: readonly string[]): number {
    this.lines = [...lines, ...this.lines.slice(this.head)];
    this.head = 0;
    return this.enforceBound();
  }

  private enforceBound(): number {
    const excess = this.size - this.capacity;
    if (excess <= 0) return 0;
    this.head += excess;
    this.droppedTotal += excess;
    this.compact();
    return excess;
  }

  private compact(): void {
    // Shifting an array is O(n); moving the head and compacting now and then keeps pushes O(1).
    if (this.head > 4096 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }
}
