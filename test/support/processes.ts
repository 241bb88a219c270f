/**
 * Runs the real CLI (`dist/cli/main.js`, built by `npm test` before vitest starts) as child
 * processes, the way an operator would, and waits for them to answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './services.js';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Node options that make a process say on stderr (`probe: a SIGTERM listener was added`) each time
 * a listener for SIGINT or SIGTERM is added, without changing what the signal does: a test can
 * then send a signal at a known stage, such as the moment the CLI's entry is ready for it.
 */
export const SIGNAL_LISTENER_PROBE = [
  '--import',
  `data:text/javascript,${encodeURIComponent("process.on('newListener', (event) => { if (event === 'SIGINT' || event === 'SIGTERM') process.stderr.write(`probe: a ${event} listener was added\\n`); });")}`,
];

export function run(args: string[], env: Record<string, string>, nodeOptions: string[] = []): RunningProcess {
  const child = spawn(process.execPath, [...nodeOptions, CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `probe` until it is true; a probe that throws a FatalWait stops the wait at once. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      if (/exited with code/.test((error as Error).message)) throw error;
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface AppUnderTest {
  url: string;
  dirs: { data: string; output: string; uploads: string };
  env: Record<string, string>;
  app: RunningProcess;
  startWorker: (extraEnv?: Record<string, string>) => Promise<RunningProcess>;
  stop: () => Promise<void>;
}

/**
 * An app process and (optionally) a worker process on their own Redis database, so that test
 * files running in parallel never take each other's jobs.
 */
export async function startAppUnderTest(options: { redisDb: number; env?: Record<string, string>; worker?: boolean }): Promise<AppUnderTest> {
  const root = await mkdtemp(join(tmpdir(), 'sw-app-'));
  const dirs = { data: join(root, 'data'), output: join(root, 'output'), uploads: join(root, 'uploads') };
  const port = await freePort();
  const redisUrl = `${process.env.REDIS_URL}/${options.redisDb}`;
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    DATA_DIR: dirs.data,
    OUTPUT_DIR: dirs.output,
    UPLOAD_DIR: dirs.uploads,
    WORKER_METRICS_PORT: '0',
    ...options.env,
  };
  const { mkdir } = await import('node:fs/promises');
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();

  const app = run(['app'], env);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil('the app to answer /healthz', async () => (await fetch(`${url}/healthz`)).ok).catch((error: Error) => {
    throw new Error(`${error.message}\n${app.output()}`);
  });
  const workers: RunningProcess[] = [];
  const startWorker = async (extraEnv: Record<string, string> = {}) => {
    const worker = run(['worker'], { ...env, ...extraEnv });
    workers.push(worker);
    await waitUntil('the worker to start', async () => {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited with code ${worker.child.exitCode}`);
      return worker.output().includes('worker started');
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${worker.output()}`);
    });
    return worker;
  };
  if (options.worker !== false) await startWorker();
  return {
    url,
    dirs,
    env,
    app,
    startWorker,
    stop: async () => {
      await Promise.all([app.stop(), ...workers.map((worker) => worker.stop())]);
      // Uploads and word-count runs can be tens of MB: a test run leaves none of them behind.
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Polls a job's status URL until it leaves requested/received. */
export async function waitForJob(statusUrl: string, timeoutMs = 30_000): Promise<{ status: string; error?: string }> {
  let last: { status: string; error?: string } = { status: 'unknown' };
  await waitUntil(`job at ${statusUrl} to finish (last: ${JSON.stringify(last)})`, async () => {
    last = (await (await fetch(statusUrl)).json()) as typeof last;
    return last.status === 'finished' || last.status === 'errored';
  }, timeoutMs);
  return last;
}

/** `waitUntil`, but a wait that times out fails with what `child` had printed so far. */
export async function waitForStage(child: RunningProcess, what: string, probe: () => Promise<boolean>, timeoutMs?: number): Promise<void> {
  await waitUntil(what, probe, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}\n${child.output()}`);
  });
}

/** Sends `signal` to `child` and waits for it to exit: its exit code, and the milliseconds from the signal to the exit. */
export async function timedStop(child: RunningProcess, signal: NodeJS.Signals): Promise<{ exitCode: number | null; stopMs: number }> {
  const sent = Date.now();
  const exitCode = await child.stop(signal);
  return { exitCode, stopMs: Date.now() - sent };
}

/** `read` applied to each line of `output` that is JSON; the others (stderr's, if any) are skipped, as is a line `read` throws on. */
function fromJsonLines<T>(output: string, read: (parsed: unknown) => T): T[] {
  return output.split('\n').flatMap((line) => {
    try {
      return [read(JSON.parse(line))];
    } catch {
      return [];
    }
  });
}

/** The JSON log lines of a process's output (stderr's lines, if any, are not JSON and are skipped). */
export function logLines(output: string): Array<Record<string, unknown>> {
  return fromJsonLines(output, (line) => line as Record<string, unknown>);
}

/** The `msg` of each JSON log line of a process's output, in order (lines that are not JSON are skipped). */
export function logMessages(output: string): string[] {
  return fromJsonLines(output, (line) => String((line as { msg: unknown }).msg));
}
