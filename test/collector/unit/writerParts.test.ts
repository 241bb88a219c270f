import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../common/influx/backoff.js';
import { exactRegex, quoteIdentifier, quoteString } from '../../../common/influx/influxql.js';
import { BoundedLineBuffer } from '../../../common/influx/lineBuffer.js';
import { linesDroppedByPartialWrite } from '../../../common/influx/partialWrite.js';

describe('the bounded write buffer', () => {
  it('keeps lines in order and hands them out in batches', () => {
    const buffer = new BoundedLineBuffer(10);
    buffer.push(['a', 'b', 'c']);
    expect(buffer.take(2)).toEqual(['a', 'b']);
    expect(buffer.size).toBe(1);
  });

  it('drops the oldest lines beyond its bound, and counts them', () => {
    const buffer = new BoundedLineBuffer(3);
    expect(buffer.push(['1', '2', '3', '4', '5'])).toBe(2);
    expect(buffer.take(10)).toEqual(['3', '4', '5']);
    expect(buffer.dropped).toBe(2);
  });

  it('puts a failed batch back in front, still within the bound', () => {
    const buffer = new BoundedLineBuffer(4);
    buffer.push(['1', '2', '3']);
    const batch = buffer.take(2);
    buffer.push(['4', '5']);
    expect(buffer.returnToFront(batch)).toBe(1);
    expect(buffer.take(10)).toEqual(['2', '3', '4', '5']);
  });

  it('stays correct across many pushes and takes (head compaction)', () => {
    const buffer = new BoundedLineBuffer(100_000);
    for (let i = 0; i < 20_000; i++) buffer.push([String(i)]);
    expect(buffer.take(15_000).at(-1)).toBe('14999');
    expect(buffer.take(1)).toEqual(['15000']);
    expect(buffer.size).toBe(4999);
  });
});

describe('retry backoff', () => {
  it('grows exponentially from the minimum and stops at the maximum', () => {
    const noJitter = () => 1;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, 500, 5000, noJitter))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('jitters between half and all of the delay', () => {
    expect(backoffDelayMs(3, 500, 5000, () => 0)).toBe(1000);
  });
});

describe('InfluxQL quoting', () => {
  it('quotes identifiers, strings and exact-match regexes so names cannot change a query', () => {
    expect(quoteIdentifier('a"b')).toBe('"a\\"b"');
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(exactRegex(['a.b', 'c/d'])).toBe('/^(a\\.b|c\\/d)$/');
  });
});

describe('what a 400 from influxd says of the batch (bodies as influxd 1.6 answers them)', () => {
  const body = (error: string) => JSON.stringify({ error });

  it('a partial write drops the lines it counts: the rest of the batch is stored', () => {
    expect(linesDroppedByPartialWrite(body('partial write: field type conflict: input field "v" on measurement "m" is type string, already exists as type integer dropped=1'), 10)).toBe(1);
    expect(linesDroppedByPartialWrite(body('partial write: points beyond retention policy dropped=3'), 10)).toBe(3);
  });

  it('lines it could not parse are dropped one each, though it says dropped=0', () => {
    const unparsable = "partial write: unable to parse 'm v=oops= 6000': invalid boolean\nunable to parse 'm,t=a\\ 7000': missing fields dropped=0";
    expect(linesDroppedByPartialWrite(body(unparsable), 4)).toBe(2);
  });

  it('a 400 with no count stored nothing: the whole batch is refused', () => {
    // A type conflict within the batch itself, and a batch none of whose lines parse.
    expect(linesDroppedByPartialWrite(body('field type conflict'), 2)).toBeUndefined();
    expect(linesDroppedByPartialWrite(body("unable to parse 'm v=oops=': invalid boolean\nunable to parse 'm,t=a\\ ': missing fields"), 2)).toBeUndefined();
    // "partial write" that counts nothing says something was lost, not how much.
    expect(linesDroppedByPartialWrite(body('partial write: dropped=0'), 5)).toBeUndefined();
    expect(linesDroppedByPartialWrite('<html>400 Bad Request</html>', 5)).toBeUndefined();
  });

  it('never counts more lines than the batch had', () => {
    expect(linesDroppedByPartialWrite(body('partial write: max-values-per-tag limit exceeded dropped=50'), 10)).toBe(10);
  });
});
