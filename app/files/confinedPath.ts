import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, normalize, relative, sep } from 'node:path';
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

/**
 * Resolves a client-supplied path inside `root` as the file system does, and refuses anything
 * whose real location is outside `root` (a symlink pointing out is refused like `..`).
 *
 * The path is handed to realpath(3) as it was sent, not normalised first (`resolve()` would): the
 * system walks it name by name, so `..` goes up from the folder before it, which must exist and be
 * a folder, and from where a symlink before it leads. `x/../a.txt` is then 404 where `x` does not
 * exist, as `cat x/../a.txt` fails, instead of reading `a.txt`.
 */
export async function confinedPath(root: string, requested: string): Promise<ConfinedPath> {
  const check = checkRequestedPath(requested);
  if (!check.ok) return check;
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(realRoot.endsWith(sep) ? `${realRoot}${requested}` : `${realRoot}${sep}${requested}`);
  } catch (error) {
    // `a.txt/` and `a.txt/x/..` name a folder by their form, and a file is there: the system
    // says ENOTDIR, answered as before, a file asked as a folder (not a missing file).
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR' && namesFolder(requested)) return notARegularFile(requested);
    const refused = refusal(error, requested);
    if (refused) return refused;
    throw error;
  }
  const inside = relative(realRoot, real);
  // `inside === ''` is the data directory itself (`.`, `sub/..`): inside, and refused below as a folder.
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return { ok: false, status: 403, reason: 'path leads outside the data directory' };
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(real);
  } catch (error) {
    const refused = refusal(error, requested); // e.g. removed since realpath
    if (refused) return refused;
    throw error;
  }
  if (!info.isFile() || namesFolder(requested)) return notARegularFile(requested);
  return { ok: true, absolute: real, relative: inside, bytes: info.size };
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
