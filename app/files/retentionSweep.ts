import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes files in `dir` whose names match `pattern` and that were last modified more than
 * `maxAgeMs` ago. Result files are kept as long as the job records that point at them. With
 * `what = 'folders'`, removes such folders instead, with their contents (a folder's time changes
 * when an entry is added to it or removed).
 */
export async function sweepOldFiles(dir: string, pattern: RegExp, maxAgeMs: number, now = Date.now(), what: 'files' | 'folders' = 'files'): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && (what === 'files' ? info.isFile() : info.isDirectory()) && now - info.mtimeMs > maxAgeMs) {
      await rm(path, { recursive: what === 'folders', force: true });
      removed.push(name);
    }
  }
  return removed;
}
