import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes files in `dir` whose names match `pattern` and that were last modified more than
 * `maxAgeMs` ago. Result files are kept as long as the job records that point at them.
 */
export async function sweepOldFiles(dir: string, pattern: RegExp, maxAgeMs: number, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && now - info.mtimeMs > maxAgeMs) {
      await rm(path, { force: true });
      removed.push(name);
    }
  }
  return removed;
}
