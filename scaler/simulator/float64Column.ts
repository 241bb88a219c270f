/** The largest chunk: 64 Ki numbers, 512 KiB. */
const MAX_CHUNK = 65_536;
const FIRST_CHUNK = 1024;

/**
 * Numbers appended one at a time, when how many will come is not known (the rows of a trace file
 * read as a stream). They are kept in Float64Array chunks, 8 bytes a number: a JavaScript array
 * would hold the same numbers with up to half as much again of room to grow, and be copied whole
 * each time it grows.
 */
export class Float64Column {
  private readonly full: Float64Array[] = [];
  private chunk = new Float64Array(FIRST_CHUNK);
  private used = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** The first number appended (NaN before any). */
  get first(): number {
    return this.count === 0 ? NaN : ((this.full[0] ?? this.chunk)[0] as number);
  }

  push(value: number): void {
    if (this.used === this.chunk.length) {
      this.full.push(this.chunk);
      this.chunk = new Float64Array(Math.min(MAX_CHUNK, this.chunk.length * 2));
      this.used = 0;
    }
    this.chunk[this.used] = value;
    this.used += 1;
    this.count += 1;
  }

  /** Every number, less `offset`, in one array; the column is empty afterwards, its chunks dropped as they are copied. */
  take(offset = 0): Float64Array {
    const all = new Float64Array(this.count);
    this.full.push(this.chunk.subarray(0, this.used));
    let at = 0;
    for (let chunk = this.full.shift(); chunk !== undefined; chunk = this.full.shift()) {
      for (let i = 0; i < chunk.length; i += 1) all[at + i] = (chunk[i] as number) - offset;
      at += chunk.length;
    }
    this.chunk = new Float64Array(FIRST_CHUNK);
    this.used = 0;
    this.count = 0;
    return all;
  }
}
