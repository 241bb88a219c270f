/**
 * The Docker engine the suites use, and the local base image their containers run on (node only,
 * no shell). Every test container carries `scalewright.test=<run id>`, so a suite removes exactly
 * its own things, and CI's clean-up finds whatever a crash left.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import Docker from 'dockerode';

export const baseImage = 'scalewright/node-base:local';
export const testLabel = 'scalewright.test';
export const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

export function newRunId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Builds the base image with `image/local-base.sh` when it is not there yet. */
export async function ensureBaseImage(): Promise<void> {
  try {
    await docker.getImage(baseImage).inspect();
  } catch {
    await promisify(execFile)('bash', ['image/local-base.sh', baseImage], { timeout: 300_000 });
  }
}
