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
 *     out  -> <tmp>/outside/inner   a symlink leading out (<tmp>/outside/a.txt and inner/secret.txt exist)
 *     gone -> <tmp>/outside/nonexist   a symlink leading out, to nothing
 *     lost -> missing.txt              a symlink inside, to nothing
 *     back -> <tmp>/outside/../data/a.txt   a symlink that leads in, by way of outside
 *     deep/top -> <tmp>/data           a symlink inside, to the data directory itself
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
  await writeFile(join(base, 'outside', 'inner', 'secret.txt'), 'secret');
  await symlink(join(base, 'outside', 'nonexist'), join(data, 'gone'));
  await symlink('missing.txt', join(data, 'lost'));
  await symlink(data, join(data, 'deep', 'top'));
  await symlink(join(base, 'outside', '..', 'data', 'a.txt'), join(data, 'back'));
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

describe('confinedPath: once the path leads out, nothing of what lies out there shows', () => {
  // The walk stops at the first name whose real location is outside: what follows it is never
  // looked up, so a file that exists out there and one that does not get the same answer. Judged
  // on the whole path, `out/secret.txt` was 403 and `out/nonexist` 404 ("no such file in the data
  // directory"), and a symlink out told a client which files exist wherever it leads.
  it.each([
    ['a file under a symlink out', 'out/secret.txt', 'out/nonexist'],
    ['a file beside where a symlink out leads, by `..`', 'out/../a.txt', 'out/../nonexist'],
    ['a file deeper under a symlink out', 'out/../inner/secret.txt', 'out/no/such/file'],
    ['a folder asked as a folder under a symlink out', 'out/', 'out/nonexist/'],
  ])('answers 403 for %s, whether it exists (%s) or not (%s)', async (_case, existing, missing) => {
    const outside = { ok: false, status: 403, reason: 'path leads outside the data directory' };
    expect(await confinedPath(data, existing)).toEqual(outside);
    expect(await confinedPath(data, missing)).toEqual(outside);
  });

  it('answers 403 for a symlink leading out to nothing, as for one leading out to a file', async () => {
    expect(await confinedPath(data, 'gone')).toEqual({ ok: false, status: 403, reason: 'path leads outside the data directory' });
    expect(await confinedPath(data, 'gone/x')).toEqual({ ok: false, status: 403, reason: 'path leads outside the data directory' });
  });

  it('answers 404 for a symlink inside leading to nothing: the missing file is in the data directory', async () => {
    expect(await confinedPath(data, 'lost')).toEqual({ ok: false, status: 404, reason: 'no such file in the data directory: lost' });
  });

  it('judges a symlink on where it leads in the end: one that passes outside on its way back in is inside', async () => {
    expect(await confinedPath(data, 'back')).toEqual({ ok: true, absolute: join(data, 'a.txt'), relative: 'a.txt', bytes: 3 });
  });

  it('answers 403 for a path that goes up from a symlink inside and out of the data directory, whether it exists or not', async () => {
    // deep/top -> the data directory: as written `deep/top/..` is `deep`, inside; really it is the data directory's parent.
    const outside = { ok: false, status: 403, reason: 'path leads outside the data directory' };
    expect(await confinedPath(data, 'deep/top/../outside/a.txt')).toEqual(outside);
    expect(await confinedPath(data, 'deep/top/../outside/nonexist')).toEqual(outside);
    expect(await confinedPath(data, 'deep/top/../data/a.txt')).toEqual(outside);
  });
});
