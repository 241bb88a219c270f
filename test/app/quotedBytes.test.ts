/**
 * A bad token in an even-sum error is shown so that what is there can be seen: quoted, what shows
 * nothing or passes for something else escaped (`common/quotedText.ts`), and bytes that are not
 * UTF-8 as `\xNN` (`app/fileChunks/quotedBytes.ts`). Before, a file starting with a byte-order
 * mark gave `not an integer: "﻿2"`, the mark invisible, and Latin-1 bytes showed as U+FFFD.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotedBytes } from '../../app/fileChunks/quotedBytes.js';
import { sumEvenNumbersInFile } from '../../app/evensum/index.js';
import { quotedText } from '../../common/quotedText.js';

const bytes = (...parts: (string | number[])[]): Uint8Array => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

describe('quotedText: text as a message quotes it', () => {
  it.each([
    ['plain text, as it is', '4a', '"4a"'],
    ['JSON\'s escapes: quotes, backslashes, C0 controls', '"x"\\\u0000\u001b', '"\\"x\\"\\\\\\u0000\\u001b"'],
    ['a byte-order mark', '\ufeff2', '"\\ufeff2"'],
    ['zero-width and direction marks, the soft hyphen, a word joiner', '1\u200b2\u200e3\u00ad4\u20605', '"1\\u200b2\\u200e3\\u00ad4\\u20605"'],
    ['separators other than the space: no-break spaces, line and paragraph separators', '1\u00a02\u202f3 4\u2028\u2029', '"1\\u00a02\\u202f3 4\\u2028\\u2029"'],
    ['C1 controls and DEL', '\u007f\u0085\u009f', '"\\u007f\\u0085\\u009f"'],
    ['the replacement character, private use and unassigned code points, past U+FFFF too', '\ufffd\ue000\u{e0001}\u{10ffff}', '"\\ufffd\\ue000\\u{e0001}\\u{10ffff}"'],
    ['letters of any script, symbols and emoji, as they are', 'Été½€😀', '"Été½€😀"'],
  ])('%s', (_case, text, quoted) => {
    expect(quotedText(text)).toBe(quoted);
  });
});

describe('quotedBytes: bytes as a message quotes them', () => {
  it('bytes that are not UTF-8 as \\xNN, whatever is around them', () => {
    expect(quotedBytes(bytes('4', [0xff, 0xfe]), 64)).toBe('"4\\xff\\xfe"');
    expect(quotedBytes(bytes([0xe9], 't', [0xe9]), 64)).toBe('"\\xe9t\\xe9"');
    // An overlong form, a surrogate, a sequence cut short: each byte on its own.
    expect(quotedBytes(bytes([0xc0, 0xaf], '1', [0xed, 0xa0, 0x80], '2', [0xe2, 0x82]), 64)).toBe('"\\xc0\\xaf1\\xed\\xa0\\x802\\xe2\\x82"');
    // A literal U+FFFD in the file is a character, escaped as one: not a bad byte.
    expect(quotedBytes(bytes('\ufffd'), 64)).toBe('"\\ufffd"');
  });

  it('cuts after maxBytes, at the end of the character the cut falls in, with …', () => {
    expect(quotedBytes(bytes('abcdef'), 4)).toBe('"abcd…"');
    expect(quotedBytes(bytes('abcd'), 4)).toBe('"abcd"');
    // 'é' is 2 bytes: the cut at 3 falls in the second, which is shown whole.
    expect(quotedBytes(bytes('ééé'), 3)).toBe('"éé…"');
    expect(quotedBytes(bytes('a😀b'), 2)).toBe('"a😀…"');
    // Given only the first maxBytes + 3 bytes of something longer, it says there is more.
    expect(quotedBytes(bytes('x'.repeat(67)), 64)).toBe(`"${'x'.repeat(64)}…"`);
  });
});

describe('even-sum: the bad token in the error, escaped', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sw-quoted-token-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['a file that starts with a byte-order mark', bytes('\ufeff2 4\n'), 'not an integer: "\\ufeff2" at byte 0, line 1'],
    ['Latin-1 bytes', bytes('2\n4', [0xb2], '\n'), 'not an integer: "4\\xb2" at byte 2, line 2'],
    ['a zero-width space', bytes('2 1\u200b2\n'), 'not an integer: "1\\u200b2" at byte 2, line 1'],
    ['a no-break space between numbers', bytes('2\u00a04\n'), 'not an integer: "2\\u00a04" at byte 0, line 1'],
    ['quotes and a backslash', bytes('2 "4"\\\n'), 'not an integer: "\\"4\\"\\\\" at byte 2, line 1'],
    // 64 bytes end in the middle of the 32nd 'é' (2 bytes each, after the 'a'): it is shown whole.
    ['a long token cut inside a character', bytes('2 a', 'é'.repeat(40)), `not an integer: "a${'é'.repeat(32)}…" at byte 2, line 1`],
  ])('%s', async (_case, content, error) => {
    const path = join(dir, `${_case.replace(/\W+/g, '-')}.txt`);
    await writeFile(path, content);
    expect(await sumEvenNumbersInFile(path, { threads: 1 })).toMatchObject({ ok: false, error });
  });
});
