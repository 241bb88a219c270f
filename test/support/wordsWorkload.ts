/**
 * The folders an app and its workers are given (data, output, uploads) under a fresh root, with a
 * file of distinct words in the data folder: one word-count chunk of seconds of work for a worker,
 * long enough for a test to stop the worker or cut its Redis under the running job.
 */
import { mkdir, mkdtemp, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WordsWorkload {
  readonly root: string;
  readonly dirs: { readonly DATA_DIR: string; readonly OUTPUT_DIR: string; readonly UPLOAD_DIR: string };
}

/** The i-th of the distinct words the file holds, one a line. */
export const wordOf = (i: number): string => `w${(i * 7919).toString(36)}`;

/** `words.txt` of `count` distinct words (about 9 bytes each) in the data folder of a new root. */
export async function wordsWorkload(prefix: string, count: number): Promise<WordsWorkload> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dirs = { DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  const file = await open(join(dirs.DATA_DIR, 'words.txt'), 'w');
  for (let start = 0; start < count; start += 100_000) {
    const words: string[] = [];
    for (let i = start; i < Math.min(count, start + 100_000); i++) words.push(wordOf(i));
    await file.write(`${words.join('\n')}\n`);
  }
  await file.close();
  return { root, dirs };
}
