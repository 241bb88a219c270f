import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { ConfigError } from '../../common/env.js';
import { requireExisting, requireFileDestination } from '../../common/flagPaths.js';

/**
 * The paths `scalewright files` is given, checked before a count starts, so that what is wrong
 * with one is a line naming it rather than Node's `EISDIR: illegal operation on a directory, read`
 * (no path) or a rename refused once a whole file had been counted.
 *
 * The exit codes are the ones the commands' help and the README give: an input that cannot be read
 * is the run's failure (1, "a file that cannot be read"); an output or a spill folder that cannot
 * take the result, like an output that is the input itself, is a bad command line (2, nothing was
 * started).
 */

/** The input cannot be read: one line, exit 1. Its message starts as Node's does (`ENOENT: no such file or directory`). */
export class UnreadableInput extends Error {
  override name = 'UnreadableInput';
}

const INPUT = '<input>';

/** A short reason for a file-system error, after its code (Node's own words where they are clear). */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'no such file or directory (a name on the way is a file, not a folder)',
  EISDIR: 'a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'name too long',
};

export function unreadableInput(path: string, error: unknown): UnreadableInput {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  const reason = REASONS[code] ?? (error instanceof Error ? error.message : String(error));
  return new UnreadableInput(`${code}: ${reason}: ${INPUT} ${path}`);
}

/** The input exists, is no folder, and this process may read it. */
export async function requireReadableInput(path: string): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
    await access(path, constants.R_OK);
  } catch (error) {
    throw unreadableInput(path, error);
  }
}

/**
 * An error of the run that is about the input (it went away, or became unreadable, after the
 * check): said as the check would have said it. Anything else is left as it is.
 */
export function inputErrorNamed(path: string, error: unknown): unknown {
  const failure = error as NodeJS.ErrnoException;
  return failure?.code !== undefined && failure.path === path ? unreadableInput(path, error) : error;
}

/**
 * Where `wordcount` writes its result: a file in a folder that exists and takes files. The
 * result is written beside it and renamed over it at the end, so an existing device or FIFO
 * (`/dev/null`) would be replaced by a plain file: refused. A folder that cannot be written to is
 * refused by `requireFileDestination` (not for root, whom permissions do not stop).
 */
export async function requireOutputFile(path: string): Promise<void> {
  requireFileDestination('<output>', path);
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    throw new ConfigError(`<output>: not a regular file: ${path} (the result replaces the file it names; give the name of a file to write)`);
  }
}

/** The folder `--tmp-dir` names, where spilled runs go: it must exist (a folder is made inside it for each count). */
export function requireSpillFolder(flag: string, path: string): void {
  requireExisting(flag, path, 'folder');
}
