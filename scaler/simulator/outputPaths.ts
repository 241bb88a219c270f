import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../common/env.js';

/**
 * The charts `simulate` writes must not land on a file it reads: `--timeline victim.csv` with
 * `--trace victim.csv` replaced the trace by its own chart. Paths are compared as the file system
 * resolves them, so that `./t.csv`, `t/../t.csv` and a symbolic link to the file are the file.
 */

/** A file the run reads, and how a message names it (`the --trace file`). */
export interface ReadFile {
  path: string;
  what: string;
}

/** A file the run writes, the flag that named it, and whether the flag named its folder (a chart per trace) rather than the file. */
export interface WrittenFile {
  flag: string;
  path: string;
  inFolder?: boolean;
}

/**
 * Where a path leads: the real path of what exists of it, with the missing rest after it (a
 * chart not yet written, in a folder not yet made, is compared by its real folder).
 */
export function realPathOf(path: string): string {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(at), ...missing);
    } catch {
      // Not there (or not readable): compare it by the nearest folder above it that is.
      const parent = dirname(at);
      if (parent === at) return join(at, ...missing);
      missing.unshift(basename(at));
      at = parent;
    }
  }
}

/**
 * Refuses (a ConfigError, exit code 2, one line naming the flag and the path) a written file that
 * is one of the files read, or that another flag writes too. Checked before anything is simulated.
 */
export function requireApart(written: readonly WrittenFile[], read: readonly ReadFile[]): void {
  const reads = read.map((file) => ({ ...file, real: realPathOf(file.path) }));
  const taken: (WrittenFile & { real: string })[] = [];
  for (const file of written) {
    const real = realPathOf(file.path);
    const input = reads.find((candidate) => candidate.real === real);
    const instead = file.inFolder ? 'give another folder' : 'give another file';
    if (input) throw new ConfigError(`${file.flag}: ${file.path} is ${input.what}${input.path === file.path ? '' : ` (${input.path})`}: the chart would overwrite it; ${instead}`);
    const other = taken.find((candidate) => candidate.real === real);
    if (other) throw new ConfigError(`${file.flag}: ${file.path} is also where ${other.flag} writes${other.path === file.path ? '' : ` (${other.path})`}: ${instead}, so that each chart has its own`);
    taken.push({ ...file, real });
  }
}
