import { readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { echoedValue } from '../http/echoedValue.js';

export type ConfinedPath =
  | { ok: true; absolute: string; relative: string; bytes: number }
  | { ok: false; status: 400 | 403 | 404; reason: string };

/** Linux's PATH_MAX, the terminating NUL included: no system call takes a longer path. */
const PATH_MAX = 4096;

const PATH_TOO_LONG = "path too long: the path, or a name in it, exceeds the file system's limit";

/**
 * Pure part of the rule: what a client may name. Relative paths only, no NUL bytes, no path the
 * system could not take (PATH_MAX), and no `..` segment that climbs out of the folder.
 */
export function checkRequestedPath(requested: string): { ok: true } | { ok: false; status: 400 | 403; reason: string } {
  if (requested.length === 0) return { ok: false, status: 400, reason: 'path is empty' };
  if (requested.includes('\0')) return { ok: false, status: 400, reason: 'path contains a NUL byte' };
  // Checked here rather than left to the file system: a long path of missing folders is ENOENT
  // there, answered 404 like a typo, while it is a path no file can ever have.
  if (Buffer.byteLength(requested) >= PATH_MAX) return { ok: false, status: 400, reason: PATH_TOO_LONG };
  if (isAbsolute(requested)) return { ok: false, status: 400, reason: 'path must be relative to the data directory, not absolute' };
  // Normalised on its own, not resolved against a stand-in folder: `../root` resolved in `/root`
  // is `/root` again, inside, while it climbs out of the data directory.
  const climbed = normalize(requested);
  if (climbed === '..' || climbed.startsWith(`..${sep}`)) {
    return { ok: false, status: 403, reason: 'path leads outside the data directory' };
  }
  return { ok: true };
}

/**
 * Whether a path names a folder by its form: it ends in `/`, or in a `.` or `..` segment. Such a
 * path never names a regular file: where a file is there (`a.txt/`, `a.txt/x/..`), the system says
 * ENOTDIR, and the answer is the 400 of a file asked as a folder rather than a missing file's 404.
 */
export function namesFolder(requested: string): boolean {
  const last = requested.slice(requested.lastIndexOf('/') + 1);
  return last === '' || last === '.' || last === '..';
}

const OUTSIDE: Extract<ConfinedPath, { ok: false }> = { ok: false, status: 403, reason: 'path leads outside the data directory' };

/**
 * Resolves a client-supplied path inside `root` as the file system does, and refuses anything
 * whose real location is outside `root` (a symlink pointing out is refused like `..`).
 *
 * The path is walked name by name, as the system walks it, not normalised first (`resolve()`
 * would): `..` goes up from the folder before it, which must exist and be a folder, and from where
 * a symlink before it leads. `x/../a.txt` is then 404 where `x` does not exist, as `cat x/../a.txt`
 * fails, instead of reading `a.txt`.
 *
 * Name by name, rather than realpath(3) on the whole path, so that the walk stops at the first
 * name whose real location is outside `root` (a symlink out, or `..` after one), and the answer
 * is 403 whatever follows it. On the whole path, what follows decided: `out/passwd` (with `out ->
 * /etc`) was 403 and `out/nonexist` 404, so a client could learn which files exist anywhere the
 * app can see.
 */
export async function confinedPath(root: string, requested: string): Promise<ConfinedPath> {
  const check = checkRequestedPath(requested);
  if (!check.ok) return check;
  const realRoot = await realpath(root);
  const isInside = (location: string) => {
    const inside = relative(realRoot, location);
    return !(inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside));
  };
  /** Where the walk is: a real path (no symlink in it), inside `realRoot`. */
  let here = realRoot;
  for (const name of requested.split('/')) {
    let next: string;
    try {
      next = await step(here, name);
    } catch (error) {
      // A symlink that leads nowhere (or nowhere the app may go) is judged on where it leads first:
      // out of the data directory, it is refused as one that leads to a file there.
      if (!isInside(await furthestReach(here, name))) return OUTSIDE;
      // `a.txt/` and `a.txt/x/..` name a folder by their form, and a file is there: the system
      // says ENOTDIR, answered as before, a file asked as a folder (not a missing file).
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR' && namesFolder(requested)) return notARegularFile(requested);
      const refused = refusal(error, requested);
      if (refused) return refused;
      throw error;
    }
    if (!isInside(next)) return OUTSIDE;
    here = next;
  }
  // `here === realRoot` is the data directory itself (`.`, `sub/..`): inside, and refused below as a folder.
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(here);
  } catch (error) {
    const refused = refusal(error, requested); // e.g. removed since it was walked
    if (refused) return refused;
    throw error;
  }
  if (!info.isFile() || namesFolder(requested)) return notARegularFile(requested);
  return { ok: true, absolute: here, relative: relative(realRoot, here), bytes: info.size };
}

/**
 * One name of a path, taken from `here` (a real path) as the system takes it: `.` and an empty
 * name (`a//b`, a final `/`) stay, `..` goes up, any other name is looked up in `here` and, if a
 * symlink, followed to the end (realpath). Each needs `here` to be a folder: ENOTDIR otherwise.
 */
async function step(here: string, name: string): Promise<string> {
  if (name !== '' && name !== '.' && name !== '..') return realpath(join(here, name));
  if (!(await stat(here)).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, '${here}'`), { code: 'ENOTDIR' });
  return name === '..' ? dirname(here) : here;
}

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/**
 * How far `name` in `here` leads where it does not resolve: `here` itself when it is missing or
 * not a symlink (the lookup failed inside it), and for a symlink, the furthest real location its
 * target's walk reaches (a symlink to `/etc/nonexist` reaches `/etc`). What the client learns is
 * where the data directory's own symlinks point, which it is told by 403 anyway, and nothing of
 * what exists out there.
 */
async function furthestReach(here: string, name: string, followed = 0): Promise<string> {
  if (name === '' || name === '.' || name === '..' || followed >= MAX_SYMLINKS) return here;
  let target: string;
  try {
    target = await readlink(join(here, name));
  } catch {
    return here; // missing, or not a symlink
  }
  let reached = isAbsolute(target) ? sep : here;
  for (const part of target.split(sep)) {
    try {
      reached = await step(reached, part);
    } catch {
      return furthestReach(reached, part, followed + 1);
    }
  }
  return reached;
}

function notARegularFile(requested: string): Extract<ConfinedPath, { ok: false }> {
  return { ok: false, status: 400, reason: `not a regular file: ${echoedValue(requested)}` };
}

/** The file-system errors a client's path can cause, as answers; anything else is the server's fault. */
function refusal(error: unknown, requested: string): Extract<ConfinedPath, { ok: false }> | undefined {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR': // a name in the path is a file, not a folder
      return { ok: false, status: 404, reason: `no such file in the data directory: ${echoedValue(requested)}` };
    case 'ELOOP':
      return { ok: false, status: 400, reason: `too many symlinks: ${echoedValue(requested)}` };
    case 'ENAMETOOLONG':
      return { ok: false, status: 400, reason: PATH_TOO_LONG };
    case 'EACCES':
    case 'EPERM':
      return { ok: false, status: 403, reason: `the app is not allowed to read this path: ${echoedValue(requested)}` };
    default:
      return undefined;
  }
}
