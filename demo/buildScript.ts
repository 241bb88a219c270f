import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Runs an image build script (`image/build.sh` and the like) in a process group of its own, with
 * a scratch folder of its own as TMPDIR, where the script's `mktemp -d` staging folder lands.
 * `signal` stops the whole group: the script, and the `npm ci` or `docker build` it waits on,
 * which a SIGTERM to the script alone would leave running. The build settles only once every
 * process of the group has ended (after `graceMs`, SIGKILL) and the scratch folder is removed:
 * a stopped `npm ci` outlives the script that started it by its own clean-up, and went on
 * writing into the staging folder while the script's EXIT trap removed it, leaving half of it.
 */
export async function runBuildScript(script: string, args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal, graceMs = 30_000): Promise<void> {
  const scratch = await mkdtemp(join(env.TMPDIR ?? tmpdir(), 'scalewright-build-'));
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(script, args, { cwd: ROOT, env: { ...env, TMPDIR: scratch }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      const stop = () => signalGroup(child.pid, 'SIGTERM');
      signal?.addEventListener('abort', stop, { once: true });
      child.once('error', fail);
      child.once('exit', (code, killedBy) => {
        signal?.removeEventListener('abort', stop);
        const ended = code === 0 ? undefined : new Error(`${script} ${args.join(' ')} ${killedBy ? `stopped by ${killedBy}` : `exited ${code}`}${stderr ? `: ${stderr.trim()}` : ''}`);
        void groupEnded(child.pid, graceMs).then(() => (ended ? fail(ended) : done()));
      });
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function signalGroup(group: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (group === undefined) return false;
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    // No process is left in the group.
    return false;
  }
}

/** Resolves once no process of `group` is left; those still there after `graceMs` are killed. */
async function groupEnded(group: number | undefined, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (signalGroup(group, 0)) {
    if (Date.now() > deadline) signalGroup(group, 'SIGKILL');
    await sleep(50);
  }
}
