import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confinedPath } from '../../app/files/confinedPath.js';

/**
 * A client's path is resolved the way the file system resolves it, name by name: `..` goes up
 * from the folder before it, which must exist and be a folder (`cat x/../a.txt` fails when `x`
 * does not exist), and from where a symlink before it leads. The confinement is judged on where
 * the path really leads.
 *
 *   <tmp>/data/         DATA_DIR
 *     a.txt             "top"
 *     sub/b.txt
 *     deep/er/          deep/a.txt "deep"
 *     down -> deep/er   a symlink inside
 *     out  -> <tmp>/outside/inner   a symlink leading out (<tmp>/outside/a.txt exists)
 */
let base: string;
let data: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'sw-confined-')));
  data = join(base, 'data');
  await mkdir(join(data, 'sub'), { recursive: true });
  await mkdir(join(data, 'deep', 'er'), { recursive: true });
  await mkdir(join(base, 'outside', 'inner'), { recursive: true });
  await writeFile(join(data, 'a.txt'), 'top');
  await writeFile(join(data, 'sub', 'b.txt'), 'b');
  await writeFile(join(data, 'deep', 'a.txt'), 'deep');
  await writeFile(join(base, 'outside', 'a.txt'), 'outside');
  await symlink(join(data, 'deep', 'er'), join(data, 'down'));
  await symlink(join(base, 'outside', 'inner'), join(data, 'out'));
});
afterAll(async () => rm(base, { recursive: true, force: true }));

describe('confinedPath: `..` as the file system takes it', () => {
  it.each([
    ['through a folder that does not exist', 'x/../a.txt'],
    ['through folders that do not exist', 'x/y/../../a.txt'],
    ['through a file', 'sub/b.txt/../b.txt'],
  ])('answers 404 for a path %s, as the system says ENOENT or ENOTDIR', async (_case, path) => {
    expect(await confinedPath(data, path)).toEqual({ ok: false, status: 404, reason: `no such file in the data directory: ${path}` });
  });

  it('reads the file a path through an existing folder leads to', async () => {
    expect(await confinedPath(data, 'sub/../a.txt')).toEqual({ ok: true, absolute: join(data, 'a.txt'), relative: 'a.txt', bytes: 3 });
  });

  it('goes up from where a symlink leads, not from the symlink', async () => {
    expect(await confinedPath(data, 'down/../a.txt')).toEqual({ ok: true, absolute: join(data, 'deep', 'a.txt'), relative: 'deep/a.txt', bytes: 4 });
  });

  it('refuses with 403 a path that goes up from a symlink leading out, though it reads as inside', async () => {
    expect(await confinedPath(data, 'out/../a.txt')).toMatchObject({ ok: false, status: 403, reason: 'path leads outside the data directory' });
  });

  it.each([
    ['.. climbing out', '../outside/a.txt'],
    ['.. climbing out through a folder', 'sub/../../outside/a.txt'],
    ['.. climbing out through a folder that does not exist', 'x/../../outside/a.txt'],
    ['a symlink leading out', 'out'],
  ])('still refuses %s with 403', async (_case, path) => {
    expect(await confinedPath(data, path)).toMatchObject({ ok: false, status: 403, reason: 'path leads outside the data directory' });
  });

  it.each([
    ['the data directory through a folder', 'sub/..'],
    ['a file named as a folder', 'a.txt/'],
    ['a file named as a folder by a last `..`', 'a.txt/x/..'],
    ['a file named as a folder by a last `.`', 'a.txt/.'],
  ])('still refuses %s with 400, not a regular file', async (_case, path) => {
    expect(await confinedPath(data, path)).toEqual({ ok: false, status: 400, reason: `not a regular file: ${path}` });
  });

  it('answers 404 for a path back through a folder that does not exist, where it answered 400 for the data directory', async () => {
    expect(await confinedPath(data, 'x/..')).toMatchObject({ ok: false, status: 404 });
  });
});
