import { rm } from 'node:fs/promises';
import type { RecordSink } from './recordSink.js';
import { RunWriter } from './runFile.js';
import { mergeRuns, tmpRunPath, type MergeLimits } from './mergeRuns.js';
import { byCountThenWord } from './recordOrder.js';
import { compareBytes } from './wordTable.js';
import { collectGarbage } from './collectGarbage.js';
import { prefixKeyOf, SORT_BYTES_PER_ID, sortIdsByCount } from './sortIds.js';

/** Offset, length, count, and what sorting takes per record. */
const BYTES_PER_RECORD = 4 + 4 + 8 + SORT_BYTES_PER_ID;

/**
 * The final ordering (count descending, word ascending) in bounded memory: records are gathered
 * up to `budgetBytes`, sorted, and spilled as count-ordered runs; `finish` merges the runs into
 * the output. A vocabulary that fits in the budget is sorted once in memory and written directly.
 */
export class CountOrderSorter implements RecordSink {
  private arena: Buffer;
  private arenaUsed = 0;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private counts: Float64Array;
  private size = 0;
  private readonly runs: string[] = [];
  private spillWanted = false;
  private sortArray = new Int32Array(0);
  private sortScratch = new Float64Array(0);

  constructor(
    private readonly budgetBytes: number,
    private readonly limits: MergeLimits,
  ) {
    const records = Math.max(16, Math.min(1 << 12, Math.floor(budgetBytes / 4 / BYTES_PER_RECORD)));
    this.arena = Buffer.allocUnsafe(Math.max(256, Math.min(1 << 16, Math.floor(budgetBytes / 4))));
    this.offsets = new Int32Array(records);
    this.lengths = new Int32Array(records);
    this.counts = new Float64Array(records);
  }

  add(bytes: Uint8Array, offset: number, length: number, count: number): boolean {
    if (this.size === this.offsets.length || this.arenaUsed + length > this.arena.length) {
      if (!this.grow(length)) {
        // Keep this record anyway (the arena grows by one record at worst) and ask for a spill.
        this.forceFit(length);
        this.spillWanted = true;
      }
    }
    const k = this.size++;
    this.offsets[k] = this.arenaUsed;
    this.lengths[k] = length;
    this.counts[k] = count;
    this.arena.set(bytes.subarray(offset, offset + length), this.arenaUsed);
    this.arenaUsed += length;
    return this.spillWanted;
  }

  /** Called when `add` returned true: spill the gathered records as one sorted run. */
  async flush(): Promise<void> {
    if (!this.spillWanted) return;
    this.spillWanted = false;
    const path = tmpRunPath(this.limits.tmpDir, 'bycount');
    const writer = await RunWriter.create(path, this.limits.readBufferBytes, this.limits.pool.take(this.limits.readBufferBytes));
    this.runs.push(path);
    try {
      await this.writeSorted(writer);
    } finally {
      await writer.close();
      this.limits.pool.give(writer.buffer);
    }
    this.size = 0;
    this.arenaUsed = 0;
  }

  /** Writes every record, in order, to `output`. */
  async finish(output: RecordSink): Promise<void> {
    if (this.runs.length === 0) {
      await this.writeSorted(output);
      await output.flush();
      return;
    }
    if (this.size > 0) {
      this.spillWanted = true;
      await this.flush();
    }
    try {
      await mergeRuns(this.runs, output, byCountThenWord, false, this.limits, true);
      await output.flush();
    } finally {
      await Promise.all(this.runs.map((p) => rm(p, { force: true })));
    }
  }

  private async writeSorted(sink: RecordSink): Promise<void> {
    const { offsets, lengths, counts, arena } = this;
    // Sort arrays kept between spills: fresh ones per spill would pile up as uncollected garbage.
    if (this.sortArray.length < this.offsets.length) {
      this.sortArray = new Int32Array(this.offsets.length);
      this.sortScratch = new Float64Array(this.offsets.length);
    }
    const ids = this.sortArray.subarray(0, this.size);
    for (let k = 0; k < ids.length; k++) ids[k] = k;
    sortIdsByCount(
      ids,
      (id) => counts[id]!,
      (id) => prefixKeyOf(arena, offsets[id]!, lengths[id]!),
      (a, b) => compareBytes(arena, offsets[a]!, lengths[a]!, arena, offsets[b]!, lengths[b]!),
      this.sortScratch,
    );
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (sink.add(arena, offsets[id]!, lengths[id]!, counts[id]!)) await sink.flush();
    }
  }

  private grow(length: number): boolean {
    const recordsFull = this.size === this.offsets.length;
    const records = recordsFull ? this.offsets.length * 2 : this.offsets.length;
    let arenaBytes = this.arena.length;
    while (this.arenaUsed + length > arenaBytes) arenaBytes *= 2;
    // Old and new arrays are both alive while copying.
    const during =
      records * BYTES_PER_RECORD +
      arenaBytes +
      (recordsFull ? this.offsets.length * BYTES_PER_RECORD : 0) +
      (arenaBytes !== this.arena.length ? this.arena.length : 0);
    if (during > this.budgetBytes) return false;
    this.resize(records, arenaBytes);
    return true;
  }

  private forceFit(length: number): void {
    const records = this.size === this.offsets.length ? this.offsets.length + 1 : this.offsets.length;
    const arenaBytes = Math.max(this.arena.length, this.arenaUsed + length);
    this.resize(records, arenaBytes);
  }

  private resize(records: number, arenaBytes: number): void {
    if (records !== this.offsets.length) {
      const offsets = new Int32Array(records);
      offsets.set(this.offsets.subarray(0, this.size));
      const lengths = new Int32Array(records);
      lengths.set(this.lengths.subarray(0, this.size));
      const counts = new Float64Array(records);
      counts.set(this.counts.subarray(0, this.size));
      this.offsets = offsets;
      this.lengths = lengths;
      this.counts = counts;
    }
    if (arenaBytes !== this.arena.length) {
      const arena = Buffer.allocUnsafe(arenaBytes);
      this.arena.copy(arena, 0, 0, this.arenaUsed);
      this.arena = arena;
    }
    if (records * BYTES_PER_RECORD + arenaBytes > 8 << 20) collectGarbage();
  }
}
