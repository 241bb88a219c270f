import { accessSync, constants, mkdirSync, rmdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './env.js';

/**
 * Checks of the files and folders a command-line flag names, made before the command starts
 * anything: each failure is a ConfigError (exit code 2) of one line that names the flag and the
 * path, never a Node stack trace after minutes of work.
 */

const MB = 1_000_000;

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    // ENOENT, or ENOTDIR: a name on the way is a file, not a folder; either way there is none.
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw new ConfigError(`cannot look at ${path}: ${reason(error)}`);
  }
}

/** A short reason for a file-system error (its code, in words where they help). */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on the device', ENOENT: 'the file system there takes no new folders', EEXIST: 'a file is in the way', ENAMETOOLONG: 'name too long' };
  return (code && words[code]) ?? (code ?? (error instanceof Error ? error.message : String(error)));
}

function readable(flag: string, path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new ConfigError(`${flag}: cannot read ${path}: ${reason(error)}`);
  }
}

/** What `requireExisting` may also ask of a file: at most `maxBytes`, said as the most `what` may be ("a trace"). */
export interface SizeLimit {
  maxBytes: number;
  what: string;
}

/**
 * The path a flag names must exist and be a readable regular file (not a folder, not a device
 * such as /dev/zero, which never ends) of at most `limit.maxBytes`, or a readable folder.
 */
export function requireExisting(flag: string, path: string, kind: 'file' | 'folder', limit?: SizeLimit): void {
  const stats = statOf(path);
  if (stats === undefined) throw new ConfigError(`${flag}: no such ${kind}: ${path}`);
  if (kind === 'folder') {
    if (!stats.isDirectory()) throw new ConfigError(`${flag}: not a folder: ${path}`);
  } else {
    if (stats.isDirectory()) throw new ConfigError(`${flag}: not a file: ${path}`);
    if (!stats.isFile()) throw new ConfigError(`${flag}: not a regular file: ${path}`);
    if (limit !== undefined && stats.size > limit.maxBytes) throw new ConfigError(`${flag}: ${path} is ${megabytes(stats.size)} MB, over the ${megabytes(limit.maxBytes)} MB ${limit.what} may be`);
  }
  readable(flag, path);
}

const megabytes = (bytes: number) => (bytes >= 10 * MB ? Math.round(bytes / MB) : Math.ceil(bytes / (MB / 10)) / 10);

/**
 * The nearest folder that exists on the way to `path` (itself, or its parent, ...); a file in
 * the way is refused. Missing levels are what `makeFolder` creates.
 */
function nearestFolder(flag: string, path: string): { folder: string; missing: string[] } {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    const stats = statOf(at);
    if (stats !== undefined) {
      if (!stats.isDirectory()) throw new ConfigError(`${flag}: not a folder: ${at}`);
      return { folder: at, missing };
    }
    missing.unshift(at);
    at = dirname(at);
  }
}

function writableFolder(flag: string, folder: string): void {
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    throw new ConfigError(`${flag}: cannot write into the folder ${folder}: ${reason(error)}`);
  }
}

/**
 * A file a flag says to write (an SVG chart): its folder must exist and take files, and the
 * path must not be a folder. Checked before the work that produces the file.
 */
export function requireFileDestination(flag: string, path: string): void {
  const folder = dirname(resolve(path));
  const stats = statOf(folder);
  if (stats === undefined) throw new ConfigError(`${flag}: no such folder: ${folder}`);
  if (!stats.isDirectory()) throw new ConfigError(`${flag}: not a folder: ${folder}`);
  if (statOf(path)?.isDirectory()) throw new ConfigError(`${flag}: is a folder, not a file: ${path}`);
  writableFolder(flag, folder);
}

/** A folder a flag says to write into, which may not exist yet: what exists on the way must be a folder that takes files. */
export function requireFolderDestination(flag: string, path: string): void {
  const { folder } = nearestFolder(flag, path);
  writableFolder(flag, folder);
}

/**
 * Creates the folder a flag names, and the missing folders on the way, one level at a time (a
 * recursive mkdir never returns under /proc); what cannot be created is a ConfigError. Returns
 * the folders it created, outermost first: what `removeMadeFolders` takes away again if the run
 * fails before it writes anything there.
 */
export function makeFolder(flag: string, path: string): string[] {
  const { folder, missing } = nearestFolder(flag, path);
  writableFolder(flag, folder);
  const made: string[] = [];
  for (const level of missing) {
    try {
      mkdirSync(level);
      made.push(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statOf(level)?.isDirectory()) continue;
      removeMadeFolders(made);
      throw new ConfigError(`${flag}: cannot create the folder ${level}: ${reason(error)}`);
    }
  }
  return made;
}

/**
 * Removes the folders `makeFolder` created, innermost first, each only while it is empty: a file
 * someone else put there in the meantime keeps its folder (and the folders above it).
 */
export function removeMadeFolders(made: readonly string[]): void {
  for (const level of [...made].reverse()) {
    try {
      rmdirSync(level);
    } catch {
      return;
    }
  }
}
