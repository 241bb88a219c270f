import { compareBytes } from './wordTable.js';

/** A record as readers expose it. */
export interface RecordView {
  bytes: Uint8Array;
  offset: number;
  length: number;
  count: number;
}

export type RecordOrder = (a: RecordView, b: RecordView) => number;

/** Word ascending by bytes: the order of runs, so equal words meet in a merge. */
export const byWord: RecordOrder = (a, b) => compareBytes(a.bytes, a.offset, a.length, b.bytes, b.offset, b.length);

/** The result file's order: count descending, then word ascending by bytes. */
export const byCountThenWord: RecordOrder = (a, b) => b.count - a.count || byWord(a, b);
