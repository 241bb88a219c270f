/**
 * The large-file engines (word count, even-sum) and their chunks as specifications, checked on
 * generated inputs (fast-check; `PROPERTY_SEED` and `PROPERTY_SCALE` replay or widen them, see
 * test/support/properties.ts).
 *
 * The reference models below are the README's "Definitions", written as plainly as possible over
 * the text decoded as latin1 (one character per byte, so offsets are byte offsets):
 * - a word is a maximal run of bytes other than ASCII whitespace (space, \t, \n, \v, \f, \r), with
 *   ASCII letters lower-cased and every other byte kept;
 * - even-sum tokens are maximal runs of bytes other than ASCII whitespace and commas; each must be
 *   `[+-]?[0-9]+` (else the result is the first bad token's byte offset and 1-based line, lines
 *   counted by \n), and the sum is the BigInt sum of the even ones.
 *
 * The chunk rule ("a chunk owns every token that starts inside it") is implemented by
 * `readOwnedTokens` on a file handle. Most properties feed it an in-memory file (a `read` over a
 * Buffer, optionally answering with short reads, which a FileHandle may do), so that hundreds of
 * texts and cuts can be tried; fewer run the public API on real temporary files.
 */
import { mkdtemp, readdir, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChunks, splitEvenly, type ByteRange } from '../../app/fileChunks/byteRange.js';
import { readOwnedTokens } from '../../app/fileChunks/ownedTokens.js';
import { ASCII_WHITESPACE, separatorTable } from '../../app/fileChunks/separators.js';
import {
  combineEvenSumPartials,
  sumEvenNumbersInFile,
  sumEvenNumbersInRange,
  type EvenSumPartial,
  type EvenSumResult,
} from '../../app/evensum/index.js';
import { EVEN_SUM_SEPARATORS, EvenSumScanner } from '../../app/evensum/evenSumScanner.js';
import { countWordsInRange, countWordsToFile, mergeWordCountRuns, type WordCountOptions } from '../../app/wordcount/index.js';
import { quotedBytes } from '../../app/fileChunks/quotedBytes.js';
import { WordTable } from '../../app/wordcount/wordTable.js';
import { propertySettings } from '../support/properties.js';

const SCALE = Math.max(1, Number(process.env.PROPERTY_SCALE ?? 1) || 1);
/** Properties that touch files get this long (longer for a longer fuzz). */
const FILE_TIMEOUT_MS = 60_000 * SCALE;
/**
 * File properties stop (and fail) a little before their test's timeout, so that a failure found
 * late, or slow to shrink, is still reported with its counterexample rather than as a timeout.
 */
const fileSettings = <T>(runs: number) => ({ ...propertySettings<T>(runs), interruptAfterTimeLimit: FILE_TIMEOUT_MS - 10_000, markInterruptAsFailure: true });
/** In-memory async properties (hundreds of runs of the chunk reader). */
const MEMORY_TIMEOUT_MS = 30_000 * SCALE;

const WORD_SEPARATORS = separatorTable(ASCII_WHITESPACE);

let dir: string;
let spillDir: string;
let seq = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engines-property-'));
  spillDir = await mkdtemp(join(tmpdir(), 'engines-property-spill-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(spillDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Reference models (the README's Definitions)

const ASCII_SPACE_RUN = /[ \t\n\v\f\r]+/;

/** Word -> count, words as latin1 strings (one character per byte). */
function modelWordCounts(bytes: Uint8Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (const raw of Buffer.from(bytes).toString('latin1').split(ASCII_SPACE_RUN)) {
    if (raw === '') continue;
    const word = raw.replace(/[A-Z]/g, (c) => c.toLowerCase());
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

/** The result file: `word count` lines, count descending, then word ascending by bytes (a prefix first). */
function renderWordCounts(counts: Map<string, number>): string {
  const entries = [...counts].sort(([wa, ca], [wb, cb]) => cb - ca || (wa < wb ? -1 : wa > wb ? 1 : 0));
  return entries.map(([word, count]) => `${word} ${count}\n`).join('');
}

const sumOfCounts = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

type ModelEvenSum =
  | { ok: true; sum: bigint; evenCount: number }
  | { ok: false; offset: number; line: number; token: Buffer };

function modelEvenSum(bytes: Uint8Array): ModelEvenSum {
  const text = Buffer.from(bytes).toString('latin1');
  let sum = 0n;
  let evenCount = 0;
  for (const match of text.matchAll(/[^ \t\n\v\f\r,]+/g)) {
    const token = match[0];
    if (!/^[+-]?[0-9]+$/.test(token)) {
      const line = 1 + [...text.slice(0, match.index)].filter((c) => c === '\n').length;
      return { ok: false, offset: match.index, line, token: Buffer.from(token, 'latin1') };
    }
    const value = BigInt(token);
    if (value % 2n === 0n) {
      sum += value;
      evenCount++;
    }
  }
  return { ok: true, sum, evenCount };
}

/**
 * The engine's result for a text, as the model says it must be. The error message echoes the bad
 * token quoted, escaped as `quotedBytes` shows bytes (its own tests: test/app/quotedBytes.test.ts),
 * its first 64 bytes only (and the rest of a character cut there; then `…`), as `evenSumScanner.ts` documents.
 */
function expectedEvenSum(bytes: Uint8Array): EvenSumResult {
  const model = modelEvenSum(bytes);
  if (model.ok) return { ok: true, sum: model.sum.toString(), evenCount: model.evenCount, bytes: bytes.length };
  const shown = quotedBytes(model.token.subarray(0, 64 + 3), 64);
  return {
    ok: false,
    error: `not an integer: ${shown} at byte ${model.offset}, line ${model.line}`,
    offset: model.offset,
    line: model.line,
  };
}

// ---------------------------------------------------------------------------------------------
// Generators

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const concat = (parts: readonly (Uint8Array | string)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));

/**
 * Pieces of text rich in what chunk boundaries could break: every separator (CRLF too, and the
 * comma that separates numbers but not words), digits, signs, signed numbers, letters of several
 * scripts in both cases, multi-byte UTF-8 of 2, 3 and 4 bytes (NBSP and U+2028 are not ASCII
 * whitespace), punctuation, NUL, and bad integers.
 */
const FRAGMENTS = [
  ' ', '\t', '\n', '\r\n', '\r', '\v', '\f', ',', '  ', ', ',
  '+', '-', '0', '1', '2', '7', '8', '9', '42', '-6', '+10', '-0', '0007', '123456789012345678901234567890',
  'a', 'Z', 'The', 'the', 'THE', 'é', 'É', 'Été', 'été', 'ß', 'ж', 'Ж', '中', '文', '😀', '\u00a0', '\u2028',
  '.', 'end.', '1.5', '0x1', '½', '٣', '\u0000',
];
const fragment: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(...FRAGMENTS).map(utf8), weight: 8 },
  // Arbitrary bytes: invalid UTF-8, lone continuation bytes, control bytes.
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 3 }), weight: 1 },
);
/** Any text: mostly mixed words and numbers, often invalid as even-sum input. */
const anyText = (maxFragments = 100): fc.Arbitrary<Buffer> => fc.array(fragment, { maxLength: maxFragments, size: 'medium' }).map(concat);

/** Around the limbs of the even-sum scanner (10^9, 10^18, 10^27) and where doubles stop counting units. */
const EDGES = [0n, 10n ** 9n, 10n ** 18n, 10n ** 27n, 2n ** 53n, 2n ** 64n, 10n ** 40n];
const magnitude: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 99n }),
  fc.bigInt({ min: 0n, max: 10n ** 12n }),
  fc.bigInt({ min: 0n, max: 10n ** 30n }),
  fc.bigInt({ min: 0n, max: 10n ** 90n }),
  fc.tuple(fc.constantFrom(...EDGES), fc.integer({ min: -4, max: 4 })).map(([edge, d]) => {
    const v = edge + BigInt(d);
    return v < 0n ? -v : v;
  }),
);
/** A decimal integer as the file may hold it: optional sign, leading zeros allowed. */
const integerToken: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('', '', '-', '+'), fc.constantFrom('', '', '', '0', '000', '0'.repeat(12)), magnitude)
  .map(([sign, zeros, m]) => `${sign}${zeros}${m}`);
const BAD_TOKENS = ['1.5', '--3', '-', '+', '+-2', '3-', '4a', 'a4', '0x10', '1e5', '½', '٣', '２', 'é', '\u0000', '7\u00a0'];
const badToken: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...BAD_TOKENS),
  // A long bad token: its echo in the message is cut to 64 bytes.
  fc.tuple(fc.constantFrom('x', 'é', '9'), fc.integer({ min: 60, max: 80 })).map(([c, n]) => `${'1'.repeat(n)}${c}`),
);
const separatorRun: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(' ', '\n', '\r\n', '\t', ',', '\v', '\f', '\r', ', '), { minLength: 1, maxLength: 3 })
  .map((s) => s.join(''));

/** Numbers separated by runs of whitespace and commas (and, with `badWeight` > 0, now and then a bad token). */
function numbersText(badWeight = 0, maxNumbers = 40): fc.Arbitrary<Buffer> {
  const token = badWeight > 0 ? fc.oneof({ arbitrary: integerToken, weight: 30 }, { arbitrary: badToken, weight: badWeight }) : integerToken;
  return fc
    .tuple(fc.constantFrom('', '', '\n', ' ,'), fc.array(fc.tuple(token, separatorRun), { maxLength: maxNumbers, size: 'medium' }), fc.boolean())
    .map(([lead, pairs, finalSeparator]) => {
      const body = pairs.map(([t, s], k) => (k < pairs.length - 1 || finalSeparator ? t + s : t)).join('');
      return Buffer.from(lead + body, 'utf8');
    });
}

/** Even-sum input of every kind: valid numbers, numbers with a bad token, anything. */
const evenSumText: fc.Arbitrary<Buffer> = fc.oneof(numbersText(0), numbersText(1), anyText(60));

/** Text with a vocabulary large enough (often 64 words and more) to take the tables' packed-key sorts, words sharing long prefixes. */
const vocabularyText: fc.Arbitrary<Buffer> = fc
  .array(
    fc.tuple(
      fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', 'z', '\u0000', '\u00e9', '\u00ff', '\u0080', '.'), minLength: 1, maxLength: 7 }),
      fc.constantFrom(' ', '\n', '\t', '\r\n'),
    ),
    { maxLength: 400, size: 'max' },
  )
  .map((pairs) => Buffer.from(pairs.map(([w, s]) => w + s).join(''), 'latin1'));

/**
 * How a text is cut into chunks: `every` bytes (planChunks, down to 1 byte) or at arbitrary
 * positions (any number of chunks of any sizes, empty ones included when positions repeat).
 */
type Cut = { every: number } | { at: number[] };
const cut: fc.Arbitrary<Cut> = fc.oneof(
  fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1 << 12 })).map((every) => ({ every })),
  fc.array(fc.nat(), { maxLength: 12 }).map((at) => ({ at })),
);

function rangesOf(size: number, how: Cut): ByteRange[] {
  if ('every' in how) return planChunks(size, how.every);
  const points = how.at.map((p) => p % (size + 1)).sort((a, b) => a - b);
  const bounds = [0, ...points, size];
  return bounds.slice(1).map((end, k) => ({ start: bounds[k]!, end }));
}

/** The reader's buffer: its minimum (16 bytes) up to a size that holds most generated texts whole. */
const bufferBytes = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 16, max: 1 << 12 }));

/** A permutation of 0..n-1 drawn from generated keys (partials may arrive in any order). */
function permutation(n: number, keys: readonly number[]): number[] {
  return Array.from({ length: n }, (_, k) => k).sort((a, b) => (keys[a % Math.max(1, keys.length)] ?? 0) - (keys[b % Math.max(1, keys.length)] ?? 0) || a - b);
}

// ---------------------------------------------------------------------------------------------
// The engines on in-memory files, as the chunk workers run them

/**
 * A file handle over `bytes` that serves positional reads, as `readOwnedTokens` uses them. With
 * `shortReads` it answers (deterministically) with fewer bytes than asked, at least one while any
 * are left: what a FileHandle is allowed to do.
 */
function memoryFile(bytes: Uint8Array, shortReads = false): FileHandle {
  let turn = 0;
  const read = async (buffer: Uint8Array, offset: number, length: number, position: number) => {
    let n = Math.max(0, Math.min(length, bytes.length - position));
    if (shortReads && n > 1) n = 1 + ((turn++ * 7919) % n);
    buffer.set(bytes.subarray(position, position + n), offset);
    return { bytesRead: n, buffer };
  };
  return { read } as unknown as FileHandle;
}

/** What `sumEvenNumbersInRange` does, over an in-memory file. */
async function evenSumPartialInMemory(file: FileHandle, range: ByteRange, readBufferBytes: number): Promise<EvenSumPartial> {
  const scanner = new EvenSumScanner();
  for await (const slice of readOwnedTokens(file, range, EVEN_SUM_SEPARATORS, { bufferBytes: readBufferBytes })) {
    if (!scanner.scan(slice.bytes, slice.from, slice.to, slice.offset)) break;
  }
  return partialOf(scanner, range);
}

function partialOf(scanner: EvenSumScanner, range: ByteRange): EvenSumPartial {
  const partial: EvenSumPartial = { range, sum: scanner.sum().toString(), evenCount: scanner.evenCount, newlines: scanner.newlines };
  if (scanner.bad) partial.firstError = { offset: scanner.bad.offset, lineInRange: scanner.bad.newlinesBefore, token: scanner.bad.token };
  return partial;
}

/**
 * The one-pass result: the whole text scanned in one call. The text sits inside a larger buffer
 * between digits, so a scanner reading outside `[from, to)` or mixing up offsets would show.
 */
function evenSumOnePass(bytes: Uint8Array): EvenSumResult {
  const pad = 5;
  const padded = Buffer.alloc(bytes.length + 2 * pad, '7');
  padded.set(bytes, pad);
  const scanner = new EvenSumScanner();
  scanner.scan(padded, pad, pad + bytes.length, 0);
  return combineEvenSumPartials([partialOf(scanner, { start: 0, end: bytes.length })]);
}

async function evenSumChunkedInMemory(bytes: Uint8Array, how: Cut, readBufferBytes: number, order: readonly number[], shortReads = false) {
  const file = memoryFile(bytes, shortReads);
  const partials: EvenSumPartial[] = [];
  for (const range of rangesOf(bytes.length, how)) partials.push(await evenSumPartialInMemory(file, range, readBufferBytes));
  // Partials travel as JSON between workers, and arrive in any order.
  const travelled = JSON.parse(JSON.stringify(partials)) as EvenSumPartial[];
  return { partials, result: combineEvenSumPartials(permutation(travelled.length, order).map((k) => travelled[k]!)) };
}

/** A table's words and counts (words as latin1 strings). */
function countsOf(table: WordTable): Map<string, number> {
  const counts = new Map<string, number>();
  for (let id = 0; id < table.distinctWords; id++) {
    const word = table.arenaBytes.toString('latin1', table.offsetOf(id), table.offsetOf(id) + table.lengthOf(id));
    expect(counts.has(word), `${JSON.stringify(word)} twice in one table`).toBe(false);
    counts.set(word, table.countOf(id));
  }
  return counts;
}

/** A table in the result file's order (`sortedByCount`), rendered as the result file. */
function renderTable(table: WordTable): string {
  return [...table.sortedByCount()]
    .map((id) => `${table.arenaBytes.toString('latin1', table.offsetOf(id), table.offsetOf(id) + table.lengthOf(id))} ${table.countOf(id)}\n`)
    .join('');
}

const BIG_TABLE = 1 << 20;

/**
 * Word count by chunks, in memory: one table per range fed by `readOwnedTokens`, then the
 * helpers' tables added into the first one's with `addCounted` (the reduce `countWordsToFile`
 * does when the helpers' runs fit beside its own table).
 */
async function wordCountChunkedInMemory(bytes: Uint8Array, how: Cut, readBufferBytes: number, shortReads: boolean): Promise<WordTable> {
  const file = memoryFile(bytes, shortReads);
  const tables: WordTable[] = [];
  for (const range of rangesOf(bytes.length, how)) {
    const table = new WordTable(BIG_TABLE);
    for await (const slice of readOwnedTokens(file, range, WORD_SEPARATORS, { bufferBytes: readBufferBytes })) {
      expect(table.scan(slice.bytes, slice.from, slice.to)).toBe(slice.to);
    }
    tables.push(table);
  }
  const [first, ...rest] = tables;
  for (const table of rest) {
    for (let id = 0; id < table.distinctWords; id++) {
      expect(first!.addCounted(table.arenaBytes, table.offsetOf(id), table.lengthOf(id), table.countOf(id))).toBe(true);
    }
  }
  return first!;
}

// ---------------------------------------------------------------------------------------------

describe('byte ranges (properties)', () => {
  const sizeAndChunk = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 6000 })),
    // Files of terabytes, chunks large enough to keep the plan short.
    fc.tuple(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 20 })).map(([size, extra]) => [size, Math.ceil(size / 2000) + extra] as [number, number]),
  );

  /** What is wrong with `ranges` as a tiling of `[0, size)` (checked without `expect` per range: plans hold thousands). */
  function tilingFaults(ranges: ByteRange[], size: number): string[] {
    const faults: string[] = [];
    if (ranges.length === 0) return ['no range'];
    if (ranges[0]!.start !== 0) faults.push(`starts at ${ranges[0]!.start}`);
    if (ranges.at(-1)!.end !== size) faults.push(`ends at ${ranges.at(-1)!.end}`);
    ranges.forEach(({ start, end }, k) => {
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) faults.push(`range ${k} not whole bytes`);
      if (k > 0 && start !== ranges[k - 1]!.end) faults.push(`range ${k} starts at ${start}, after ${ranges[k - 1]!.end}`);
      if (size > 0 && end <= start) faults.push(`range ${k} is empty`);
    });
    return faults;
  }

  it('planChunks covers the file exactly once, in order, without gap or overlap, in chunks of the chunk size (the last one shorter)', () => {
    fc.assert(
      fc.property(sizeAndChunk, ([size, chunk]) => {
        const ranges = planChunks(size, chunk);
        expect(tilingFaults(ranges, size)).toEqual([]);
        if (size === 0) expect(ranges).toEqual([{ start: 0, end: 0 }]);
        else expect(ranges).toHaveLength(Math.ceil(size / chunk));
        expect(ranges.slice(0, -1).filter((r) => r.end - r.start !== chunk)).toEqual([]);
        const last = ranges.at(-1)!;
        expect(last.end - last.start).toBeLessThanOrEqual(chunk);
      }),
      propertySettings(300),
    );
  });

  it('splitEvenly covers the file the same way in at most the asked number of ranges, none longer than ceil(size / parts)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 1, max: 256 }), (size, parts) => {
        const ranges = splitEvenly(size, parts);
        expect(tilingFaults(ranges, size)).toEqual([]);
        expect(ranges.length).toBeLessThanOrEqual(parts);
        const lengths = ranges.map((r) => r.end - r.start);
        expect(Math.max(...lengths)).toBe(Math.ceil(size / parts) || 0);
      }),
      propertySettings(300),
    );
  });

  it('planChunks refuses a size or a chunk size that is not a whole number of bytes (negative, fractional, NaN, beyond 2^53, chunk 0)', () => {
    const notSize = fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.constant(2 ** 53), fc.constant(Number.POSITIVE_INFINITY));
    const notChunk = fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.constant(2 ** 53));
    fc.assert(
      fc.property(notSize, fc.integer({ min: 1, max: 100 }), notChunk, fc.integer({ min: 0, max: 100 }), (badSize, chunk, badChunk, size) => {
        expect(() => planChunks(badSize, chunk)).toThrow(RangeError);
        expect(() => planChunks(size, badChunk)).toThrow(RangeError);
      }),
      propertySettings(200),
    );
  });
});

describe('the chunk rule: a chunk owns every token that starts inside it (properties)', () => {
  it('every token of the text is handed out exactly once, whole, by the chunk it starts in, whatever the cut, the buffer and short reads; newlines are passed on by the chunk they lie in', async () => {
    await fc.assert(
      fc.asyncProperty(anyText(), cut, bufferBytes, fc.boolean(), async (bytes, how, readBufferBytes, shortReads) => {
        const file = memoryFile(bytes, shortReads);
        const expectedTokens: Array<[number, string]> = [];
        const latin1 = bytes.toString('latin1');
        for (const m of latin1.matchAll(/[^ \t\n\v\f\r]+/g)) expectedTokens.push([m.index, m[0]]);
        const seen: Array<[number, string]> = [];
        let newlines = 0;
        for (const range of rangesOf(bytes.length, how)) {
          for await (const slice of readOwnedTokens(file, range, WORD_SEPARATORS, { bufferBytes: readBufferBytes })) {
            const text = slice.bytes.toString('latin1', slice.from, slice.to);
            // A slice holds whole tokens: the bytes before and after it are separators (or the file's ends).
            expect(text).toBe(latin1.slice(slice.offset, slice.offset + text.length));
            const before = slice.offset > 0 ? bytes[slice.offset - 1]! : 0x20;
            const after = slice.offset + text.length < bytes.length ? bytes[slice.offset + text.length]! : 0x20;
            if (text.length > 0 && WORD_SEPARATORS[text.charCodeAt(0)] === 0) expect(WORD_SEPARATORS[before]).toBe(1);
            if (text.length > 0 && WORD_SEPARATORS[text.charCodeAt(text.length - 1)] === 0) expect(WORD_SEPARATORS[after]).toBe(1);
            for (const m of text.matchAll(/[^ \t\n\v\f\r]+/g)) {
              const start = slice.offset + m.index;
              expect(start).toBeGreaterThanOrEqual(range.start);
              expect(start).toBeLessThan(range.end);
              seen.push([start, m[0]]);
            }
            // Separators past the range's end are not passed on.
            for (let k = 0; k < text.length; k++) {
              if (text[k] === '\n') {
                expect(slice.offset + k).toBeLessThan(range.end);
                newlines++;
              }
            }
          }
        }
        expect(seen).toEqual(expectedTokens);
        expect(newlines).toBe([...latin1].filter((c) => c === '\n').length);
      }),
      propertySettings(300),
    );
  }, MEMORY_TIMEOUT_MS);
});

describe('even-sum (properties)', () => {
  it('the one-pass result is the model\'s: the BigInt sum of the even integers and their count, or the first bad token\'s byte offset and line', () => {
    fc.assert(
      fc.property(evenSumText, (bytes) => {
        expect(evenSumOnePass(bytes)).toEqual(expectedEvenSum(bytes));
      }),
      propertySettings(500),
    );
  });

  it('chunks cut anywhere (inside a number, between a sign and its digits, inside a UTF-8 character), reduced in any order, give the one-pass result', async () => {
    await fc.assert(
      fc.asyncProperty(evenSumText, cut, bufferBytes, fc.array(fc.nat()), fc.boolean(), async (bytes, how, readBufferBytes, order, shortReads) => {
        const { result } = await evenSumChunkedInMemory(bytes, how, readBufferBytes, order, shortReads);
        expect(result).toEqual(evenSumOnePass(bytes));
        expect(result).toEqual(expectedEvenSum(bytes));
      }),
      propertySettings(300),
    );
  }, MEMORY_TIMEOUT_MS);

  it('the chunks\' newline counts add up to the file\'s, so a chunk\'s local line becomes the file\'s line', async () => {
    await fc.assert(
      fc.asyncProperty(numbersText(0), cut, bufferBytes, async (bytes, how, readBufferBytes) => {
        const { partials } = await evenSumChunkedInMemory(bytes, how, readBufferBytes, []);
        expect(partials.reduce((n, p) => n + p.newlines, 0)).toBe(bytes.filter((b) => b === 0x0a).length);
        expect(partials.every((p) => p.firstError === undefined)).toBe(true);
      }),
      propertySettings(150),
    );
  }, MEMORY_TIMEOUT_MS);

  it('is exact for integers far beyond 2^53, of any sign and with leading zeros: the sum of the even ones, as a decimal string', () => {
    const numbers = fc.array(fc.tuple(fc.constantFrom('', '+', '-'), fc.constantFrom('', '0', '00000'), magnitude), { maxLength: 60 });
    fc.assert(
      fc.property(numbers, separatorRun, (parts, sep) => {
        const text = Buffer.from(parts.map(([sign, zeros, m]) => `${sign}${zeros}${m}`).join(sep));
        const values = parts.map(([sign, , m]) => (sign === '-' ? -m : m));
        const evens = values.filter((v) => v % 2n === 0n);
        expect(evenSumOnePass(text)).toEqual({ ok: true, sum: evens.reduce((a, b) => a + b, 0n).toString(), evenCount: evens.length, bytes: text.length });
      }),
      propertySettings(400),
    );
  });

  it('negative evens count: negating every number negates the sum and keeps the count of evens', () => {
    fc.assert(
      fc.property(fc.array(magnitude, { maxLength: 40 }), (values) => {
        const positive = evenSumOnePass(Buffer.from(values.join('\n')));
        const negative = evenSumOnePass(Buffer.from(values.map((v) => `-${v}`).join('\n')));
        expect(positive.ok && negative.ok).toBe(true);
        if (positive.ok && negative.ok) {
          expect(BigInt(negative.sum)).toBe(-BigInt(positive.sum));
          expect(negative.evenCount).toBe(positive.evenCount);
        }
      }),
      propertySettings(300),
    );
  });

  it('odd numbers never count: inserting any odd integers anywhere changes neither the sum nor the count of evens', () => {
    const oddToken = fc
      .tuple(fc.constantFrom('', '+', '-'), magnitude, fc.constantFrom('0', '000'))
      .map(([sign, m, zeros]) => `${sign}${zeros}${m * 2n + 1n}`);
    fc.assert(
      fc.property(numbersText(0), fc.array(fc.tuple(fc.nat(), oddToken), { maxLength: 10 }), (bytes, odds) => {
        const tokens = bytes.toString('latin1').split(/[ \t\n\v\f\r,]+/).filter((t) => t !== '');
        for (const [at, odd] of odds) tokens.splice(at % (tokens.length + 1), 0, odd);
        const before = evenSumOnePass(bytes);
        const after = evenSumOnePass(Buffer.from(tokens.join(' '), 'latin1'));
        expect(before.ok && after.ok).toBe(true);
        if (before.ok && after.ok) expect([after.sum, after.evenCount]).toEqual([before.sum, before.evenCount]);
      }),
      propertySettings(300),
    );
  });
});

describe('word count (properties)', () => {
  it('the one-pass table counts exactly the model\'s words: split on ASCII whitespace, ASCII letters lower-cased, every other byte kept', () => {
    fc.assert(
      fc.property(anyText(150), (bytes) => {
        const table = new WordTable(BIG_TABLE);
        expect(table.scan(bytes, 0, bytes.length)).toBe(bytes.length);
        const model = modelWordCounts(bytes);
        expect(countsOf(table)).toEqual(model);
        expect(table.totalWords).toBe(sumOfCounts(model));
        expect(renderTable(table)).toBe(renderWordCounts(model));
      }),
      propertySettings(400),
    );
  });

  it('lists words count descending, then ascending by bytes, a shorter word before its extensions, for vocabularies of any size', () => {
    fc.assert(
      fc.property(vocabularyText, (bytes) => {
        const table = new WordTable(BIG_TABLE);
        table.scan(bytes, 0, bytes.length);
        expect(renderTable(table)).toBe(renderWordCounts(modelWordCounts(bytes)));
        const byWord = [...table.sortedByWord()].map((id) => table.arenaBytes.toString('latin1', table.offsetOf(id), table.offsetOf(id) + table.lengthOf(id)));
        expect(byWord).toEqual([...modelWordCounts(bytes).keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
      propertySettings(200),
    );
  });

  it('chunks cut anywhere (inside a word, inside a UTF-8 character), counted apart and added together, give the one-pass counts', async () => {
    await fc.assert(
      fc.asyncProperty(anyText(), cut, bufferBytes, fc.boolean(), async (bytes, how, readBufferBytes, shortReads) => {
        const chunked = await wordCountChunkedInMemory(bytes, how, readBufferBytes, shortReads);
        const whole = new WordTable(BIG_TABLE);
        whole.scan(bytes, 0, bytes.length);
        expect(countsOf(chunked)).toEqual(countsOf(whole));
        expect(countsOf(chunked)).toEqual(modelWordCounts(bytes));
        expect(chunked.totalWords).toBe(whole.totalWords);
        expect(renderTable(chunked)).toBe(renderTable(whole));
      }),
      propertySettings(300),
    );
  }, MEMORY_TIMEOUT_MS);

  it('a table that fills its budget, spilled and reset as often as needed, loses and doubles no word', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(150), vocabularyText), fc.integer({ min: 4096, max: 40_000 }), (bytes, budget) => {
        const table = new WordTable(budget);
        const counts = new Map<string, number>();
        const spill = (): void => {
          for (const [word, count] of countsOf(table)) counts.set(word, (counts.get(word) ?? 0) + count);
          table.reset();
        };
        let at = 0;
        while ((at = table.scan(bytes, at, bytes.length)) < bytes.length) {
          expect(table.distinctWords).toBeGreaterThan(0);
          spill();
        }
        spill();
        const model = modelWordCounts(bytes);
        expect(counts).toEqual(model);
        // `totalWords` is not cleared by `reset`: countIntoTable reports it for the whole range.
        expect(table.totalWords).toBe(sumOfCounts(model));
      }),
      propertySettings(200),
    );
  });
});

describe('the engines on real files (properties)', () => {
  async function fileWith(bytes: Uint8Array): Promise<string> {
    const path = join(dir, `t${++seq}.txt`);
    await writeFile(path, bytes);
    return path;
  }

  it('even-sum: sumEvenNumbersInFile and the chunks of sumEvenNumbersInRange, combined, give the model\'s result', async () => {
    await fc.assert(
      fc.asyncProperty(evenSumText, cut, bufferBytes, async (bytes, how, readBufferBytes) => {
        const path = await fileWith(bytes);
        try {
          const whole = await sumEvenNumbersInFile(path, { threads: 1, readBufferBytes });
          const partials: EvenSumPartial[] = [];
          for (const range of rangesOf(bytes.length, how)) partials.push(await sumEvenNumbersInRange(path, range, { threads: 1, readBufferBytes }));
          const chunked = combineEvenSumPartials(JSON.parse(JSON.stringify(partials)) as EvenSumPartial[]);
          expect(whole).toEqual(expectedEvenSum(bytes));
          expect(chunked).toEqual(whole);
        } finally {
          await rm(path, { force: true });
        }
      }),
      fileSettings(40),
    );
  }, FILE_TIMEOUT_MS);

  it('word count: countWordsToFile and the runs of countWordsInRange, merged (several passes with a small budget), write the model\'s result file', async () => {
    const text = fc.oneof(anyText(50), vocabularyText.map((b) => b.subarray(0, 600)));
    const coarseCut: fc.Arbitrary<Cut> = fc.oneof(
      fc.integer({ min: 8, max: 1 << 10 }).map((every) => ({ every })),
      fc.array(fc.nat(), { maxLength: 12 }).map((at) => ({ at })),
    );
    await fc.assert(
      fc.asyncProperty(text, coarseCut, fc.constantFrom(64 << 10, 16 << 20), async (bytes, how, memoryBudgetBytes) => {
        const options: WordCountOptions = { memoryBudgetBytes, tmpDir: spillDir, threads: 1 };
        const input = await fileWith(bytes);
        const wholeOut = `${input}.whole`;
        const chunkOut = `${input}.chunks`;
        const runs: string[] = [];
        try {
          const model = modelWordCounts(bytes);
          const whole = await countWordsToFile(input, wholeOut, options);
          expect(whole).toEqual({ distinctWords: model.size, totalWords: sumOfCounts(model), bytes: bytes.length });
          expect(await readFile(wholeOut, 'latin1')).toBe(renderWordCounts(model));

          let total = 0;
          for (const [k, range] of rangesOf(bytes.length, how).entries()) {
            const run = `${input}.${k}.run`;
            runs.push(run);
            total += (await countWordsInRange(input, range, run, options)).totalWords;
          }
          const merged = await mergeWordCountRuns(runs, chunkOut, options);
          expect(total).toBe(sumOfCounts(model));
          expect(merged).toEqual({ distinctWords: model.size, totalWords: sumOfCounts(model) });
          expect(await readFile(chunkOut, 'latin1')).toBe(renderWordCounts(model));
          // Spilled and intermediate runs are removed; the caller's runs are left in place.
          expect(await readdir(spillDir)).toEqual([]);
        } finally {
          await Promise.all([input, wholeOut, chunkOut, ...runs].map((p) => rm(p, { force: true })));
        }
      }),
      fileSettings(25),
    );
  }, FILE_TIMEOUT_MS);
});

describe('regressions found by the properties above', () => {
  it('combines a tiling that has an empty range, whatever order the partials arrive in (shrunk: " ," cut at 0 into [0,0) and [0,2), [0,2) first)', () => {
    const part = (start: number, end: number, sum = '0'): EvenSumPartial => ({ range: { start, end }, sum, evenCount: sum === '0' ? 0 : 1, newlines: 0 });
    expect(combineEvenSumPartials([part(0, 2), part(0, 0)])).toEqual({ ok: true, sum: '0', evenCount: 0, bytes: 2 });
    expect(combineEvenSumPartials([part(2, 5, '4'), part(2, 2), part(0, 2, '2')])).toEqual({ ok: true, sum: '6', evenCount: 2, bytes: 5 });
    // Still refused: a gap, an overlap.
    expect(() => combineEvenSumPartials([part(0, 2), part(3, 5)])).toThrow(/tile/);
    expect(() => combineEvenSumPartials([part(0, 3), part(2, 5)])).toThrow(/tile/);
  });
});
