import { resolve } from 'node:path';
import Docker from 'dockerode';
import type { StackFlags } from './command.js';
import { runBuildScript } from './buildScript.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Local images this project knows how to build without a registry, and the script that does it. */
const LOCAL_BUILDS: Record<string, string[]> = {
  'scalewright:local': ['image/build.sh', 'scalewright:local'],
  'scalewright/redis:local': ['image/local-service-image.sh', 'redis'],
  'scalewright/influxdb:local': ['image/local-service-image.sh', 'influxdb'],
};

/**
 * Makes sure an image is there: present already, or built by the project's own script (machines
 * without a registry), or pulled (machines with one).
 */
export async function ensureImage(docker: Docker, image: string, say: (line: string) => void, rebuild = false, signal?: AbortSignal): Promise<void> {
  const present = await docker.getImage(image).inspect().then(() => true, () => false);
  if (present && !rebuild) return;
  signal?.throwIfAborted();
  const build = LOCAL_BUILDS[image];
  if (build) {
    say(`building ${image} (${build.join(' ')})`);
    const [script, ...args] = build as [string, ...string[]];
    await runBuildScript(resolve(ROOT, script), args, { ...process.env, REBUILD: rebuild ? '1' : '0' }, signal);
    return;
  }
  say(`pulling ${image}`);
  const stream = await docker.pull(image, signal ? { abortSignal: signal } : {});
  await new Promise<void>((done, fail) => docker.modem.followProgress(stream, (error) => (error ? fail(error) : done())));
}

/** The Docker engine at `socket`, or undefined after saying in one line that there is none and how to get one. */
export async function connectDocker(socket: string, say: (line: string) => void): Promise<Docker | undefined> {
  const docker = new Docker({ socketPath: socket });
  try {
    await docker.ping();
    return docker;
  } catch {
    say(`demo: no Docker engine answers at ${socket}: install one (Debian: apt-get install docker.io, then start dockerd) or point --docker-socket at it.`);
    return undefined;
  }
}

/** The images a demo runs: the app's, Redis's, and InfluxDB's unless an InfluxDB was given. */
export async function ensureImages(docker: Docker, flags: StackFlags, say: (line: string) => void, signal?: AbortSignal): Promise<void> {
  for (const image of [flags.appImage, flags.redisImage, ...(flags.influxUrl ? [] : [flags.influxImage])]) {
    await ensureImage(docker, image, (line) => say(`demo: ${line}`), flags.rebuild, signal);
  }
}

/** The images (and the InfluxDB, if one was given) a demo's stack runs, from its flags. */
export function stackImages(flags: StackFlags): Pick<StackFlags, 'appImage' | 'redisImage' | 'influxImage' | 'influxUrl'> {
  return { appImage: flags.appImage, redisImage: flags.redisImage, influxImage: flags.influxImage, ...(flags.influxUrl ? { influxUrl: flags.influxUrl } : {}) };
}
