/**
 * The app's CPU cost per request: the app process (`scalewright app`, on a private redis-server)
 * and a bare Node `http` server answering the same shape of response (the reference: status,
 * headers and body as the app's, the body read, no Redis, no framework), each in a child process
 * of its own, loaded in turn by autocannon on kept-alive connections, for `GET /?user=bench`,
 * `POST /messages`, `POST /multivac/data` (urlencoded) and the JSON form of `POST /file`. For the
 * last two, the reference's Redis work is one RPUSH: the app's is a BullMQ job add (a Lua script),
 * so the column against it is a floor, not the same work. The CPU time of the server process (user + system, all its threads, from
 * /proc/<pid>/stat) over a measured run, divided by the requests it answered, is its cost per
 * request; each is printed with its ratio to the reference measured in the same round, since the
 * machine is shared and only ratios measured side by side mean anything.
 *
 * `--baseline-cli <dist/cli/main.js of another build>` measures that build of the app too, in the
 * same rounds: a change's before and after on the same machine state.
 *
 * usage: npm run bench:app -- [--seconds 8] [--rounds 3] [--connections 8] [--baseline-cli PATH] [--only NAMES]
 * `--only` keeps the requests whose name contains one of the comma-separated NAMES.
 * BENCH_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) are passed to the app's node.
 * Needs redis-server.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { median } from 'simple-statistics';
import { freePort } from '../common/freePort.js';

const usage = 'usage: npm run bench:app -- [--seconds 8] [--rounds 3] [--connections 8] [--baseline-cli PATH] [--only "POST /multivac,GET /"]\n';
const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    'baseline-cli': { type: 'string' },
    only: { type: 'string' },
    'reference-server': { type: 'string' },
    'reference-redis': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const MESSAGE_BODY = JSON.stringify({ message: 'foo' });
const MULTIVAC_BODY = new URLSearchParams({ data: 'entropy is increasing' }).toString();
const MULTIVAC_ANSWER = JSON.stringify({ response: 'MultiVAC updated!' });
/** The file the JSON form of POST /file names, written to the app's DATA_DIR. */
const FILE_JOB_BODY = JSON.stringify({ path: 'bench.txt' });
const DIGEST = createHash('sha256').update('foo').digest('hex');

/**
 * The reference: what Node's HTTP server alone costs for the same exchange. It reads the POST body
 * (a kept-alive connection cannot carry the next request before it is through) and answers the
 * bytes the app answers, with the headers the app sets, and does nothing else. Given a Redis URL,
 * it also does the app's Redis work through ioredis (HINCRBY the user's counter; parse the JSON,
 * hash the message and SET it): the floor of any implementation of these contracts.
 */
async function serveReference(port: number, redisUrl: string | undefined): Promise<void> {
  const redis = redisUrl === undefined ? undefined : new Redis(redisUrl);
  let count = 0;
  createServer((request, response) => {
    if (request.method === 'GET') {
      void (redis ? redis.hincrby('visits', 'bench', 1) : Promise.resolve((count += 1))).then((visits) => {
        response.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-User': 'bench', 'X-Request-Count': String(visits) });
        response.end('Hello world!');
      });
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/multivac/data') {
        const answer = () => {
          response.writeHead(200, { 'Content-Type': 'application/json' });
          response.end(MULTIVAC_ANSWER);
        };
        if (!redis) return answer();
        const data = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('data') ?? '';
        void redis.rpush('multivac', data).then(answer);
        return;
      }
      if (request.url === '/file') {
        const answer = () => {
          response.writeHead(201, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify({ token: '0'.repeat(32) }));
        };
        if (!redis) return answer();
        const { path } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { path: string };
        void redis.rpush('wordcount', path).then(answer);
        return;
      }
      const answer = () => {
        response.writeHead(201, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ digest: DIGEST }));
      };
      if (!redis) return answer();
      const { message } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message: string };
      const digest = createHash('sha256').update(message, 'utf8').digest('hex');
      void redis.set(`message:${digest}`, message).then(answer);
    });
  }).listen(port, '127.0.0.1');
}

interface Shape {
  name: string;
  request: autocannon.Request;
}

const SHAPES: Shape[] = [
  { name: 'GET /?user=bench', request: { method: 'GET', path: '/?user=bench' } },
  { name: 'POST /messages', request: { method: 'POST', path: '/messages', headers: { 'content-type': 'application/json' }, body: MESSAGE_BODY } },
  { name: 'POST /multivac/data', request: { method: 'POST', path: '/multivac/data', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: MULTIVAC_BODY } },
  { name: 'POST /file (JSON)', request: { method: 'POST', path: '/file', headers: { 'content-type': 'application/json' }, body: FILE_JOB_BODY } },
];

interface Server {
  label: string;
  url: string;
  /** What answers once the server is ready to be measured. */
  probe: string;
  child: ChildProcess;
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU seconds of a process, all its threads, from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms`);
}

function load(url: string, shape: Shape, seconds: number, connections: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: seconds, requests: [shape.request] });
}

/** CPU milliseconds per answered request over one measured run (after a warm-up of the same load). */
async function costPerRequest(server: Server, shape: Shape, seconds: number, connections: number): Promise<number> {
  await load(server.url, shape, 1, connections);
  const pid = server.child.pid as number;
  const before = cpuSecondsOf(pid);
  const result = await load(server.url, shape, seconds, connections);
  const cpu = cpuSecondsOf(pid) - before;
  const answered = result['2xx'] + result.non2xx;
  if (result.non2xx > 0 || result.errors > 0 || answered === 0) {
    throw new Error(`${server.label}, ${shape.name}: ${result.non2xx} answers not 2xx and ${result.errors} errors out of ${answered}`);
  }
  return (cpu * 1000) / answered;
}

async function main(options: { seconds: number; rounds: number; connections: number; baselineCli: string | undefined }): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'sw-bench-app-'));
  const children: ChildProcess[] = [];
  const start = (command: string, args: string[], env: Record<string, string> = {}): ChildProcess => {
    const child = spawn(command, args, { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
    return child;
  };
  try {
    const redisPort = await freePort();
    start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', root]);
    const appEnv = { REDIS_URL: `redis://127.0.0.1:${redisPort}`, HOST: '127.0.0.1', DATA_DIR: join(root, 'data'), OUTPUT_DIR: join(root, 'output'), UPLOAD_DIR: join(root, 'uploads') };
    await Promise.all([appEnv.DATA_DIR, appEnv.OUTPUT_DIR, appEnv.UPLOAD_DIR].map((dir) => mkdir(dir, { recursive: true })));
    await writeFile(join(appEnv.DATA_DIR, 'bench.txt'), 'one two three\n');
    const shapes = flags.only === undefined ? SHAPES : SHAPES.filter((shape) => flags.only?.split(',').some((name) => shape.name.includes(name.trim())));
    if (shapes.length === 0) throw new Error(`--only ${flags.only}: no such request (${SHAPES.map((shape) => shape.name).join(', ')})`);
    const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

    const servers: Server[] = [];
    const referencePort = await freePort();
    servers.push({ label: 'bare Node http (reference)', url: `http://127.0.0.1:${referencePort}`, probe: '/', child: start(process.execPath, [import.meta.filename, '--reference-server', String(referencePort)]) });
    const redisReferencePort = await freePort();
    servers.push({
      label: 'bare Node http + the same Redis commands',
      url: `http://127.0.0.1:${redisReferencePort}`,
      probe: '/',
      child: start(process.execPath, [import.meta.filename, '--reference-server', String(redisReferencePort), '--reference-redis', appEnv.REDIS_URL]),
    });
    const apps: Array<[string, string]> = [['app', resolve(import.meta.dirname, '../cli/main.js')]];
    if (options.baselineCli) apps.push(['app, baseline build', resolve(options.baselineCli)]);
    for (const [label, cli] of apps) {
      const port = await freePort();
      servers.push({ label, url: `http://127.0.0.1:${port}`, probe: '/readyz', child: start(process.execPath, [...nodeFlags, cli, 'app'], { ...appEnv, PORT: String(port) }) });
    }
    for (const server of servers) await until(server.label, async () => (await fetch(`${server.url}${server.probe}`)).ok);

    // costs[shape][server] holds one figure per round; servers take turns within a round, so a
    // change in the machine's load falls on all of them alike, in the opposite order every other
    // round, so that none is always the one measured first or last.
    const costs = shapes.map(() => servers.map(() => [] as number[]));
    for (let round = 1; round <= options.rounds; round++) {
      const turns = [...servers.entries()];
      if (round % 2 === 0) turns.reverse();
      for (const [s, shape] of shapes.entries()) {
        for (const [v, server] of turns) {
          process.stderr.write(`round ${round}/${options.rounds}: ${shape.name} on ${server.label}, ${options.seconds} s…\n`);
          costs[s]?.[v]?.push(await costPerRequest(server, shape, options.seconds, options.connections));
        }
      }
    }
    process.stdout.write(`${costTable(shapes.map((shape) => shape.name), servers.map((server) => server.label), costs, options)}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((done) => child.once('exit', done)) : undefined)));
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The printed table: per request and server, the median CPU ms per request, and its ratios to the
 * two references (each taken round by round, then the median), with their ranges over the rounds.
 */
function costTable(shapes: string[], servers: string[], costs: number[][][], options: { seconds: number; rounds: number; connections: number }): string {
  const range = (values: number[], digits: number, unit: string) =>
    values.length > 1 ? ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}${unit})` : '';
  const ratio = (mine: number[], reference: number[]) => {
    const ratios = mine.map((cost, round) => cost / (reference[round] ?? Number.NaN));
    return `${median(ratios).toFixed(2)}×${range(ratios, 2, '×')}`;
  };
  const rows = shapes.flatMap((shape, s) =>
    servers.map((server, v) => {
      const mine = costs[s]?.[v] ?? [];
      return `| ${shape} | ${server} | ${median(mine).toFixed(3)} ms${range(mine, 3, '')} | ${ratio(mine, costs[s]?.[0] ?? [])} | ${ratio(mine, costs[s]?.[1] ?? [])} |`;
    }),
  );
  return [
    '',
    `CPU time of the server process per request: ${options.rounds} round(s) of ${options.seconds} s per server and request, ${options.connections} kept-alive connections; median (range over the rounds)`,
    '',
    `| request | server | CPU per request | to ${servers[0]} | to ${servers[1]} |`,
    '|---|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

if (flags['reference-server'] !== undefined) {
  await serveReference(Number(flags['reference-server']), flags['reference-redis']);
} else {
  if (flags.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const whole = (name: 'seconds' | 'rounds' | 'connections', max: number): number => {
    const value = Number(flags[name]);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      process.stderr.write(`--${name} must be a whole number from 1 to ${max}, not "${flags[name]}"\n${usage}`);
      process.exit(2);
    }
    return value;
  };
  await main({ seconds: whole('seconds', 600), rounds: whole('rounds', 20), connections: whole('connections', 256), baselineCli: flags['baseline-cli'] });
}
