import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
/** The project's shared material sits beside the checkout (`../shared`), here and in CI. */
export const SHARED = resolve(REPO, '..', 'shared');
export const CORPUS = join(SHARED, 'data', 'corpus');
const REFERENCE = join(SHARED, 'reference');

/** Compiles the C references with the machine's `cc -O2` into a fresh temporary folder. */
export function compileReferences(): { wordcount: string; evensum: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'largefiles-ref-'));
  const wordcount = join(dir, 'wordcount');
  const evensum = join(dir, 'evensum');
  execFileSync('cc', ['-O2', '-o', wordcount, join(REFERENCE, 'wordcount.c')]);
  execFileSync('cc', ['-O2', '-o', evensum, join(REFERENCE, 'evensum.c')]);
  return { wordcount, evensum, dir };
}

/** Runs the C word counter and returns its output bytes. */
export function cWordCount(binary: string, file: string): Buffer {
  return execFileSync(binary, [file], { maxBuffer: 1 << 30 });
}

/**
 * Multi-threaded paths start worker threads from compiled JavaScript, so those tests import the
 * build in `dist/`. It is (re)built here when missing or older than the sources.
 */
export async function importBuilt<T>(relative: string): Promise<T> {
  const built = join(REPO, 'dist', relative);
  const sources = ['app/wordcount', 'app/evensum', 'app/fileChunks'].flatMap((folder) =>
    readdirSync(join(REPO, folder))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(REPO, folder, name)),
  );
  const newest = Math.max(...sources.map((s) => statSync(s).mtimeMs));
  if (!existsSync(built) || statSync(built).mtimeMs < newest) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'ignore' });
  }
  if (!existsSync(built)) throw new Error(`could not build ${built}`);
  return (await import(built)) as T;
}

const SPACE = /[ \t\n\v\f\r]+/;

/**
 * The definition of the word count, written as plainly as possible (a slow model to check the
 * engine against): split on ASCII whitespace, lower-case ASCII letters, sort by count descending
 * then by bytes.
 */
export function modelWordCount(input: Buffer): Buffer {
  const counts = new Map<string, number>();
  for (const raw of input.toString('latin1').split(SPACE)) {
    if (raw === '') continue;
    const word = raw.replace(/[A-Z]/g, (c) => c.toLowerCase());
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const entries = [...counts].sort(([wa, ca], [wb, cb]) => cb - ca || (wa < wb ? -1 : wa > wb ? 1 : 0));
  return Buffer.from(entries.map(([w, c]) => `${w} ${c}\n`).join(''), 'latin1');
}

/** The definition of the even sum, as plainly as possible. */
export function modelEvenSum(input: Buffer): { ok: true; sum: string } | { ok: false; offset: number; line: number } {
  const text = input.toString('latin1');
  const token = /[^ \t\n\v\f\r,]+/g;
  let sum = 0n;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    if (!/^[+-]?[0-9]+$/.test(m[0])) {
      const line = text.slice(0, m.index).split('\n').length;
      return { ok: false, offset: m.index, line };
    }
    const value = BigInt(m[0]);
    if (value % 2n === 0n) sum += value;
  }
  return { ok: true, sum: sum.toString() };
}
