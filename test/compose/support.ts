import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const ROOT = resolve(import.meta.dirname, '../..');
export const COMPOSE_FILE = resolve(ROOT, 'compose/docker-compose.yml');
export const LOCAL_OVERRIDE = resolve(ROOT, 'compose/docker-compose.local.yml');

/** The label every container a test starts carries, so that CI's cleanup finds it. */
export const TEST_LABEL = { key: 'scalewright.test', value: 'compose' } as const;

export interface ComposeRun {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `docker-compose` (Debian's v1.29, or any binary named by COMPOSE_BIN) on the stack's files with a
 * given environment only: nothing of the caller's environment leaks into the interpolation but
 * PATH and the Docker connection, and an empty env file stands in for a developer's compose/.env.
 */
export async function compose(files: readonly string[], args: readonly string[], env: Record<string, string> = {}, project?: string): Promise<ComposeRun> {
  const binary = process.env.COMPOSE_BIN ?? 'docker-compose';
  const fileArgs = files.flatMap((file) => ['-f', file]);
  const projectArgs = project ? ['-p', project] : [];
  const emptyEnvFile = join(tmpdir(), 'scalewright-compose-test.env');
  await writeFile(emptyEnvFile, '');
  const baseEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  if (process.env.DOCKER_HOST) baseEnv.DOCKER_HOST = process.env.DOCKER_HOST;
  const { stdout, stderr } = await exec(binary, ['--env-file', emptyEnvFile, ...projectArgs, ...fileArgs, ...args], {
    cwd: ROOT,
    env: { ...baseEnv, ...env },
    maxBuffer: 32 * 1024 * 1024,
  });
  return { stdout, stderr };
}

export async function docker(args: readonly string[]): Promise<string> {
  const { stdout } = await exec('docker', [...args], { maxBuffer: 32 * 1024 * 1024 });
  return stdout.trim();
}

export async function hasCommand(command: string, args: readonly string[] = ['version']): Promise<boolean> {
  try {
    await exec(command, [...args]);
    return true;
  } catch {
    return false;
  }
}

/** Runs an InfluxQL query through the v1 API and returns the first statement's series. */
export async function influxSeries(url: string, database: string, query: string): Promise<Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>> {
  const response = await fetch(`${url}/query?db=${encodeURIComponent(database)}&q=${encodeURIComponent(query)}`);
  if (!response.ok) throw new Error(`influx query failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { results: Array<{ series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>; error?: string }> };
  const first = body.results[0];
  if (first?.error) throw new Error(`influx query error: ${first.error}`);
  return first?.series ?? [];
}
