/**
 * How long the app takes from `node` being started to answering `/healthz`: the part of a new
 * replica's start-up that is the process's own (a scale-out waits for it, multiplied by ten or so
 * at the 0.1 CPU the demo gives a replica). Each round starts, one after another in an order that
 * alternates between rounds, `scalewright app` (on a private redis-server) and the reference: a
 * bare Node `http` server answering `/healthz`, Node's own start-up and nothing else. It prints
 * each one's median time and its ratio to the reference measured in the same run, since the
 * machine is shared and only ratios measured side by side mean anything.
 *
 * `--baseline-cli <dist/cli/main.js of another build>` starts that build's app too, in the same
 * rounds: a change's before and after on the same machine state.
 *
 * usage: npm run bench:start -- [--rounds 15] [--baseline-cli PATH]
 * Needs redis-server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { freePort } from '../common/freePort.js';

const usage = 'usage: npm run bench:start -- [--rounds 15] [--baseline-cli PATH]\n';
const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    'baseline-cli': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const CLI = resolve(import.meta.dirname, '../cli/main.js');
const REFERENCE = `require('node:http').createServer((req, res) => res.end('{"status":"ok"}')).listen(Number(process.env.PORT), '127.0.0.1')`;
const say = (text: string) => process.stderr.write(`${text}\n`);

interface Starter {
  name: string;
  args: string[];
}

/** Starts `starter` and resolves with the milliseconds until its /healthz answers 200; stops it again. */
async function timeToHealthy(starter: Starter, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, starter.args, { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${starter.name} exited ${child.exitCode} before answering /healthz`);
      const answered = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false);
      if (answered) return performance.now() - started;
      await sleep(5);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

async function main(rounds: number, baselineCli: string | undefined): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'sw-bench-start-'));
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', root], { stdio: 'ignore' });
  try {
    await sleep(300);
    const env = { REDIS_URL: `redis://127.0.0.1:${redisPort}`, DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
    const starters: Starter[] = [
      { name: 'bare Node http server (reference)', args: ['-e', REFERENCE] },
      { name: 'scalewright app', args: [CLI, 'app'] },
      ...(baselineCli ? [{ name: `baseline app (${baselineCli})`, args: [resolve(baselineCli), 'app'] }] : []),
    ];
    const times = new Map<string, number[]>(starters.map((starter) => [starter.name, []]));
    // One start of each first, not counted: the file system's cache is then warm for all alike.
    for (const starter of starters) await timeToHealthy(starter, env);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? starters : [...starters].reverse();
      for (const starter of order) times.get(starter.name)!.push(await timeToHealthy(starter, env));
      say(`round ${round + 1}/${rounds}: ${order.map((starter) => `${starter.name.split(' (')[0]} ${Math.round(times.get(starter.name)!.at(-1)!)} ms`).join(', ')}`);
    }
    const reference = median(times.get(starters[0]!.name)!);
    process.stdout.write(`\nstart to a 200 from /healthz, median of ${rounds} rounds (ratio to the reference in the same run):\n`);
    for (const starter of starters) {
      const value = median(times.get(starter.name)!);
      process.stdout.write(`  ${starter.name.padEnd(40)} ${String(Math.round(value)).padStart(6)} ms  ${(value / reference).toFixed(2)}x\n`);
    }
  } finally {
    redis.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
}

if (flags.help) {
  process.stdout.write(usage);
} else {
  const rounds = Number(flags.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 200) {
    process.stderr.write(`--rounds must be a whole number from 1 to 200, got ${flags.rounds}\n${usage}`);
    process.exitCode = 2;
  } else {
    await main(rounds, flags['baseline-cli']);
  }
}
