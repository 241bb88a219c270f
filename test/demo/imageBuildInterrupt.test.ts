/**
 * A demo interrupted while it builds the app's image (`image/build.sh`, run by `runBuildScript`
 * in a process group of its own): the whole group is stopped, the script's `npm ci` or `docker
 * build` included, the build settles only once all of them have ended, its staging folder is gone
 * and no image is tagged. Before, the build settled when the script exited: a stopped `npm ci`
 * went on for a moment, writing into the staging folder the script's EXIT trap was removing, and
 * left part of it behind. The real script and the real Docker engine, stopped while it installs the
 * production dependencies and while `docker build` runs; a tag of its own, and the compiled dist/
 * reused (SKIP_COMPILE), so that the suites running beside it are not disturbed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBuildScript } from '../../demo/buildScript.js';
import { waitUntil } from '../support/processes.js';

const exec = promisify(execFile);
const BUILD = resolve(import.meta.dirname, '../../image/build.sh');

/** Every process on the machine with its process group and command line, read from /proc (no procps needed). */
async function processTable(): Promise<Array<{ pid: number; group: number; commandLine: string }>> {
  const table = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // After the command name's closing parenthesis: state, parent, process group.
      const [, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const commandLine = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').join(' ').trim();
      table.push({ pid: Number(name), group: Number(group), commandLine });
    } catch {
      // Ended while the table was read.
    }
  }
  return table;
}

/** The processes of the process group `group`, each as `pid command line`. */
async function processesOfGroup(group: number): Promise<string[]> {
  return (await processTable()).filter((entry) => entry.group === group).map((entry) => `${entry.pid} ${entry.commandLine}`);
}

/** The build's process group: runBuildScript starts the script as the leader of a group of its own. */
async function buildGroup(tag: string): Promise<number | undefined> {
  return (await processTable()).find((entry) => entry.commandLine.endsWith(`build.sh ${tag}`) && entry.group === entry.pid)?.group;
}

async function imageExists(tag: string): Promise<boolean> {
  return exec('docker', ['image', 'inspect', tag]).then(() => true, () => false);
}

describe('an image build, interrupted', () => {
  let temp: string;
  let tag: string;
  beforeEach(async () => {
    // The script's staging folder (mktemp -d) lands here, where the test can see it go.
    temp = await mkdtemp(join(tmpdir(), 'sw-build-interrupt-'));
    tag = `scalewright:interrupt-test-${process.pid}-${Date.now()}`;
  });
  afterEach(async () => {
    await exec('docker', ['rmi', '-f', tag]).catch(() => undefined);
    await rm(temp, { recursive: true, force: true });
  });

  /**
   * The staging folder: the one with the Dockerfile (local-base.sh makes one of its own, without),
   * in the scratch folder the build was given as its TMPDIR.
   */
  async function stagingFolder(): Promise<string | undefined> {
    for (const scratch of await readdir(temp)) {
      for (const name of await readdir(join(temp, scratch)).catch(() => [])) {
        if (await stat(join(temp, scratch, name, 'Dockerfile')).then(() => true, () => false)) return join(temp, scratch, name);
      }
    }
    return undefined;
  }

  const cases = [
    {
      while: 'it installs the production dependencies (npm ci)',
      reached: async (group: number) => {
        const stage = await stagingFolder();
        return stage !== undefined && (await stat(join(stage, 'node_modules')).then(() => true, () => false)) && (await processesOfGroup(group)).some((line) => line.includes('npm'));
      },
    },
    {
      while: 'docker build runs',
      reached: async (group: number) => (await processesOfGroup(group)).some((line) => line.includes('docker build')),
    },
  ];

  for (const step of cases) {
    it(`while ${step.while}: the whole group stops, the staging folder is removed, no image is tagged`, async () => {
      const interrupt = new AbortController();
      const build = runBuildScript(BUILD, [tag], { ...process.env, SKIP_COMPILE: '1', TMPDIR: temp }, interrupt.signal);
      const settled = build.then(() => 'built', (error: Error) => error.message);
      let group: number | undefined;
      await waitUntil(`the build to reach: ${step.while}`, async () => {
        group ??= await buildGroup(tag);
        return group !== undefined && (await step.reached(group));
      }, 240_000);
      interrupt.abort();
      const outcome = await settled;
      expect(outcome).toMatch(/image\/build\.sh scalewright:interrupt-test-\S+ (stopped by SIGTERM|exited 143)/);
      // Nothing of the group is left once the build has settled: not the script, not the step it was in.
      expect(await processesOfGroup(group!)).toEqual([]);
      expect(await readdir(temp), 'the scratch folder and the staging folder in it').toEqual([]);
      expect(await imageExists(tag)).toBe(false);
    }, 300_000);
  }
});
