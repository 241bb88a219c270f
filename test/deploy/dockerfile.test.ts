/**
 * The Dockerfile's `build` stage (the image built with a registry: `docker build .`) compiles the
 * CLI from the folders it copies in. It copied cli, common, app, collector and scaler while the
 * CLI also imports demo/, so `npm run build` failed in the image (TS2307) and nobody noticed: the
 * registry-less path (image/build.sh) compiles on the host. No image is built here (no registry to
 * pull node from): the stage's COPY lines are checked against what the CLI's entry really imports.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './kustomize.js';

/** The relative imports of a TypeScript source, static and dynamic, as the paths of their .ts files. */
async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((match) => match[1] as string);
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

/** Every source file the entry reaches through relative imports. */
async function reachableFrom(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...(await importsOf(file)));
  }
  return seen;
}

/** The folders the `build` stage copies into its source tree (`COPY <dir> <dir>` between `FROM … AS build` and the next FROM). */
function buildStageFolders(dockerfile: string): string[] {
  const stage = dockerfile.split(/^FROM /m).find((part) => /^\S+ AS build\b/.test(part)) ?? '';
  return [...stage.matchAll(/^COPY\s+(?!--)(\S+)\s+\S+\s*$/gm)].map((match) => (match[1] as string).replace(/\/$/, ''));
}

describe('the Dockerfile build stage', () => {
  it('copies every folder the CLI entry imports, so the image compiles what it runs', async () => {
    const reachable = await reachableFrom(join(repoRoot, 'cli/main.ts'));
    const folders = [...new Set([...reachable].map((file) => relative(repoRoot, file).split('/')[0] as string))].sort();
    // The walk itself works: the entry reaches every command's folder.
    expect(folders).toEqual(expect.arrayContaining(['app', 'cli', 'collector', 'common', 'demo', 'scaler']));
    const copied = buildStageFolders(await readFile(join(repoRoot, 'Dockerfile'), 'utf8'));
    expect(folders.filter((folder) => !copied.includes(folder))).toEqual([]);
  });
});
