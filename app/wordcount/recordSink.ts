/**
 * Where (word, count) records go: a run file, the final text file, or the count-order sorter.
 * `add` is synchronous so a merge of millions of records does not await per record; it returns
 * true when the sink wants `flush()` awaited before the next `add`.
 */
export interface RecordSink {
  add(bytes: Uint8Array, offset: number, length: number, count: number): boolean;
  flush(): Promise<void>;
}
