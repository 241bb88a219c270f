/**
 * Does adding workers make one big job faster? Runs the same chunked even-sum job through the
 * real app and real worker processes on a private redis-server, first with one worker, then with
 * two, and prints the ratio of their lead times (measured in the same run, best of N).
 *
 * usage: npm run bench:scaleout -- [--mb 256] [--repeat 3] [--chunk-mb 16]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../common/freePort.js';

const { values: flags } = parseArgs({
  options: {
    mb: { type: 'string', default: '256' },
    repeat: { type: 'string', default: '3' },
    'chunk-mb': { type: 'string', default: '16' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write('usage: npm run bench:scaleout -- [--mb 256] [--repeat 3] [--chunk-mb 16]\n');
  process.exit(0);
}

const CLI = resolve(import.meta.dirname, '../cli/main.js');
const children: ChildProcess[] = [];
const say = (text: string) => process.stderr.write(`${text}\n`);


function start(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function writeNumbers(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  let written = 0;
  let seed = 12345;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      lines.push(String(seed * 1000 + (i % 1000)));
    }
    const block = `${lines.join('\n')}\n`;
    written += block.length;
    if (!out.write(block)) await new Promise<void>((done) => out.once('drain', () => done()));
  }
  await new Promise<void>((done) => out.end(done));
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'sw-bench-scaleout-'));
  try {
    const redisPort = await freePort();
    start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--dir', root]);
    const env = {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DATA_DIR: join(root, 'data'),
      OUTPUT_DIR: join(root, 'output'),
      UPLOAD_DIR: join(root, 'uploads'),
      CHUNK_BYTES: `${flags['chunk-mb']}MiB`,
      WORKER_CONCURRENCY: '1',
      WORKER_METRICS_PORT: '0',
      HOST: '127.0.0.1',
    };
    const { mkdir } = await import('node:fs/promises');
    await mkdir(env.DATA_DIR, { recursive: true });
    say(`scale-out: writing ${flags.mb} MB of numbers`);
    await writeNumbers(join(env.DATA_DIR, 'numbers.txt'), Number(flags.mb) * 1e6);
    const port = await freePort();
    start(process.execPath, [CLI, 'app'], { ...env, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${url}/readyz`)).ok, 'the app');

    const leadTime = async (): Promise<number> => {
      const started = performance.now();
      const response = await fetch(`${url}/evensum`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: 'numbers.txt' }) });
      const { token } = (await response.json()) as { token: string };
      let status = '';
      await until(async () => {
        const body = (await (await fetch(`${url}/evensum/${token}/status`)).json()) as { status: string; progress?: { bytesDone: number; bytesTotal: number } };
        status = body.status;
        if (body.progress) process.stderr.write(`\r  progress ${((100 * body.progress.bytesDone) / body.progress.bytesTotal).toFixed(0).padStart(3)}%`);
        return status === 'finished' || status === 'errored';
      }, 'the job');
      process.stderr.write('\r');
      if (status !== 'finished') throw new Error(`job ${status}`);
      return (performance.now() - started) / 1000;
    };

    const results: Record<number, number> = {};
    for (const workers of [1, 2]) {
      while (children.filter((child) => child.spawnargs.includes('worker') && child.exitCode === null).length < workers) {
        start(process.execPath, [CLI, 'worker'], env);
      }
      await sleep(1500);
      let best = Infinity;
      for (let run = 0; run < Number(flags.repeat); run++) {
        const seconds = await leadTime();
        say(`  ${workers} worker(s), run ${run + 1}: ${seconds.toFixed(2)} s`);
        best = Math.min(best, seconds);
      }
      results[workers] = best;
    }
    const ratio = (results[2] as number) / (results[1] as number);
    process.stdout.write(
      [
        '',
        `even-sum of ${flags.mb} MB in ${flags['chunk-mb']} MiB chunks, best of ${flags.repeat}, same run:`,
        '| workers | lead time vs 1 worker |',
        '|---|---|',
        '| 1 | 1.00x |',
        `| 2 | ${ratio.toFixed(2)}x |`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(300);
    await rm(root, { recursive: true, force: true });
  }
}

await main();
