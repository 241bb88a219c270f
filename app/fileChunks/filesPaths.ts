import { constants, type Stats } from 'node:fs';
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

/**
 * The input exists, is a regular file (after links), and this process may read it. The engines
 * read a file in byte ranges, by offset, from several threads: a pipe (`cat x | ... /dev/stdin`,
 * `<(...)`) or a device (`/dev/zero`) has no such ranges, and its size of 0 made a count of
 * nothing that exited 0, as if the file had been empty.
 */
export async function requireReadableInput(path: string): Promise<void> {
  let kind: string | undefined;
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
    kind = stats.isFile() ? undefined : kindOf(stats);
    if (kind === undefined) await access(path, constants.R_OK);
  } catch (error) {
    throw unreadableInput(path, error);
  }
  if (kind !== undefined) throw new UnreadableInput(`${kind}, not a regular file: ${INPUT} ${path} (files reads its input by byte ranges, from several threads: save the stream to a file first)`);
}

/** What a path that is neither a regular file nor a folder is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

/**
 * An error of the run that is about the input (it went away, or became unreadable, after the
 * check): said as the check would have said it. Anything else is left as it is.
 */
export function inputErrorNamed(path: string, error: unknown): unknown {
  const failure = error as NodeJS.ErrnoException;
  return failure?.code !== undefined && failure.path === path ? unreadableInput(path, error) : error;
}

/** What failed, for a result that could not be written (`ResultFileError`'s step). */
const OUTPUT_STEPS: Readonly<Record<string, string>> = {
  create: 'the result file could not be created there',
  write: 'the result could not be written',
  rename: 'the finished result could not be put in its place',
};

/**
 * A result that could not be written (`ResultFileError`, of the word count's writer): one line
 * naming `<output>` as it was given, what failed and why, as an input that cannot be read is
 * named (before, the line named the hidden file the result is written to first:
 * `open '/proc/.o.txt.partial-1c63bf57'`). Anything else is left as it is.
 */
export function outputErrorNamed(path: string, error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'ResultFileError') return error;
  const { code, reason, step } = error as Error & { code?: string; reason: string; step: string };
  const words = code !== undefined && REASONS[code] !== undefined ? `${code}: ${REASONS[code]}` : reason;
  return new UnwritableOutput(`${words}: <output> ${path}: ${OUTPUT_STEPS[step] ?? step}`);
}

/** The result cannot be written: one line, exit 1 (the run failed: its output was checked before it started). */
export class UnwritableOutput extends Error {
  override name = 'UnwritableOutput';
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
