/**
 * Benchmark of the large-file engines against the C references, measured side by side in one run
 * (ratios, never absolute times: the machine may be shared).
 *
 *   npm run bench:files -- [--repeat 3] [--kjv-copies 10] [--numbers-bytes 1e9] [--budget 64MiB]
 *                          [--only wordcount|evensum] [--container] [--container-bytes 1e9]
 *                          [--container-distinct 12e6] [--container-budget 32MiB] [--shared DIR] [--keep]
 *
 * Word count on kjvbible.txt x N and even-sum on a generated numbers file: C (`cc -O2`), ours
 * with 1 thread and with 2 threads, each as its own process (best wall time of --repeat runs,
 * interleaved; peak RSS from /usr/bin/time). With --container, word count of a generated file of
 * at least 1 GB and 10 million distinct words runs inside `docker run --memory 100m` and its output
 * is compared with the C reference's outside the container. Exit code 1 when an output differs.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateNumbersFile, generateWordsFile } from './generatedFiles.js';
import { parseByteSize } from '../common/env.js';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '..');
const child = join(here, 'largeFilesChild.js');

const { values: flags } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    'kjv-copies': { type: 'string', default: '10' },
    'numbers-bytes': { type: 'string', default: '1e9' },
    budget: { type: 'string', default: '64MiB' },
    only: { type: 'string' },
    container: { type: 'boolean', default: false },
    'container-bytes': { type: 'string', default: '1e9' },
    'container-distinct': { type: 'string', default: '12e6' },
    'container-image': { type: 'string', default: 'scalewright/node-base:local' },
    'container-budget': { type: 'string', default: '32MiB' },
    shared: { type: 'string', default: process.env.SHARED_DIR ?? resolve(dist, '../../shared') },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`usage: npm run bench:files -- [flags]
  --repeat N              runs per measurement, best kept (default 3)
  --kjv-copies N          copies of kjvbible.txt in the word-count input (default 10, 43 MB)
  --numbers-bytes B       size of the generated even-sum input (default 1e9)
  --budget B              word-count memory budget in bytes (default 64MiB)
  --only wordcount|evensum
  --container             also run word count inside docker run --memory 100m
  --container-bytes B     size of that input (default 1e9)
  --container-distinct N  its vocabulary (default 12e6)
  --container-image TAG   image holding node (default scalewright/node-base:local)
  --container-budget B    word-count memory budget inside the container (default 32MiB)
  --shared DIR            the shared material with reference/ and data/corpus/ (env SHARED_DIR,
                          default ../shared next to the project)
  --keep                  keep the temporary folder
`);
  process.exit(0);
}

/** A count or a size: `1e9`, `12000000`, `64MiB`, `1GB`. */
const num = (text: string): number => {
  const value = Number(text);
  if (Number.isFinite(value)) return Math.round(value);
  const bytes = parseByteSize(text);
  if (bytes === undefined) throw new Error(`not a number or size: ${text}`);
  return bytes;
};
const repeat = Math.max(1, num(flags.repeat));
const budget = num(flags.budget);
const shared = resolve(flags.shared!);
const log = (message: string): void => void process.stderr.write(`[bench:files] ${message}\n`);

interface Measured {
  wallMs: number;
  /** User + system CPU time: less disturbed than wall time by other work on the machine. */
  cpuMs: number;
  peakRssKb: number;
  stdout: string;
}

/** Runs one command under /usr/bin/time, for its wall time (measured here) and peak RSS. */
function measure(command: string, args: string[], rssFile: string): Measured {
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, command, ...args], {
    maxBuffer: 1 << 26,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  const [rss, user, sys] = (execFileSync('cat', [rssFile], { encoding: 'utf8' }).trim().split('\n').at(-1) ?? '0 0 0').split(' ');
  return { wallMs, cpuMs: (Number(user) + Number(sys)) * 1000, peakRssKb: Number(rss), stdout: run.stdout };
}

interface Row {
  task: string;
  who: string;
  best: Measured;
  bestCpuMs: number;
  goal?: number;
  engineMs?: number;
}

/** Runs every contender `repeat` times, interleaved so that a noisy moment hits all of them. */
function bestOf(contenders: Array<{ who: string; command: string; args: string[]; goal?: number }>, task: string, rssFile: string): Row[] {
  const rows: Row[] = contenders.map((c) => ({
    task,
    who: c.who,
    best: { wallMs: Infinity, cpuMs: Infinity, peakRssKb: 0, stdout: '' },
    bestCpuMs: Infinity,
    goal: c.goal,
  }));
  for (let round = 0; round < repeat; round++) {
    contenders.forEach((c, k) => {
      const m = measure(c.command, c.args, rssFile);
      const row = rows[k]!;
      log(`${task} ${c.who} run ${round + 1}/${repeat}: ${(m.wallMs / 1000).toFixed(3)} s, ${(m.peakRssKb / 1024).toFixed(1)} MB`);
      const peak = Math.max(row.best.peakRssKb, m.peakRssKb);
      row.bestCpuMs = Math.min(row.bestCpuMs, m.cpuMs);
      if (m.wallMs < row.best.wallMs) row.best = m;
      row.best.peakRssKb = peak;
    });
  }
  for (const row of rows) {
    if (row.best.stdout.startsWith('{')) row.engineMs = (JSON.parse(row.best.stdout) as { engineMs: number }).engineMs;
  }
  return rows;
}

function table(rows: Row[]): string {
  const out = [
    '| task | run | best wall (s) | ratio to C | goal | engine only (s) | CPU time ratio to C | peak RSS (MB) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const c = rows.find((r) => r.task === row.task && r.who === 'C')!;
    const ratio = row.best.wallMs / c.best.wallMs;
    const goal = row.goal === undefined ? '' : `≤ ${row.goal.toFixed(2)}x ${ratio <= row.goal ? 'met' : 'missed'}`;
    out.push(
      `| ${row.task} | ${row.who} | ${(row.best.wallMs / 1000).toFixed(3)} | ${ratio.toFixed(2)}x | ${goal} | ${
        row.engineMs === undefined ? '' : (row.engineMs / 1000).toFixed(3)
      } | ${(row.bestCpuMs / c.bestCpuMs).toFixed(2)}x | ${(row.best.peakRssKb / 1024).toFixed(1)} |`,
    );
  }
  return out.join('\n');
}

async function concatenate(source: string, copies: number, target: string): Promise<void> {
  const text = await readFile(source);
  await writeFile(target, '');
  for (let k = 0; k < copies; k++) await appendFile(target, text);
}

const work = await mkdtemp(join(tmpdir(), 'bench-large-files-'));
let failed = false;
try {
  log(`working in ${work}`);
  execFileSync('cc', ['-O2', '-o', join(work, 'wordcount'), join(shared, 'reference/wordcount.c')]);
  execFileSync('cc', ['-O2', '-o', join(work, 'evensum'), join(shared, 'reference/evensum.c')]);
  const rssFile = join(work, 'rss.txt');
  const spill = join(work, 'spill');
  await mkdir(spill);
  const rows: Row[] = [];

  if (flags.only !== 'evensum') {
    const copies = num(flags['kjv-copies']);
    const kjv = join(work, `kjv-x${copies}.txt`);
    await concatenate(join(shared, 'data/corpus/kjvbible.txt'), copies, kjv);
    log(`word count input: ${kjv} (${((await stat(kjv)).size / 1e6).toFixed(1)} MB)`);
    const outC = join(work, 'wc-c.txt');
    const task = `word count, kjvbible x${copies}`;
    const ours = (threads: number) => ['--max-old-space-size=256', child, 'wordcount', kjv, join(work, `wc-${threads}.txt`), String(threads), String(budget), spill];
    execFileSync('sh', ['-c', `"${join(work, 'wordcount')}" "${kjv}" > "${outC}"`]);
    const wcRows = bestOf(
      [
        { who: 'C', command: 'sh', args: ['-c', `exec "${join(work, 'wordcount')}" "${kjv}" > "${outC}"`] },
        { who: 'ours, 1 thread', command: process.execPath, args: ours(1), goal: 2.0 },
        { who: 'ours, 2 threads', command: process.execPath, args: ours(2), goal: 1.0 },
      ],
      task,
      rssFile,
    );
    rows.push(...wcRows);
    const expected = await readFile(outC);
    for (const threads of [1, 2]) {
      const same = expected.equals(await readFile(join(work, `wc-${threads}.txt`)));
      log(`word count, ${threads} thread(s): output ${same ? 'byte-identical to C' : 'DIFFERS from C'}`);
      if (!same) failed = true;
    }
  }

  if (flags.only !== 'wordcount') {
    const bytes = num(flags['numbers-bytes']);
    const numbers = join(work, 'numbers.txt');
    log(`generating ${(bytes / 1e6).toFixed(0)} MB of numbers...`);
    await generateNumbersFile(numbers, bytes);
    const task = `even-sum, ${(bytes / 1e6).toFixed(0)} MB`;
    const esRows = bestOf(
      [
        { who: 'C', command: join(work, 'evensum'), args: [numbers] },
        { who: 'ours, 1 thread', command: process.execPath, args: [child, 'evensum', numbers, '1'], goal: 1.2 },
        { who: 'ours, 2 threads', command: process.execPath, args: [child, 'evensum', numbers, '2'], goal: 0.65 },
      ],
      task,
      rssFile,
    );
    rows.push(...esRows);
    const [high, low] = esRows[0]!.best.stdout.trim().split(' ').map(BigInt) as [bigint, bigint];
    const cSum = ((high << 64n) + low).toString();
    for (const row of esRows.slice(1)) {
      const result = JSON.parse(row.best.stdout) as { ok: boolean; sum?: string };
      const same = result.ok && result.sum === cSum;
      log(`${task} ${row.who}: sum ${same ? 'equals C' : `DIFFERS from C (${result.sum} vs ${cSum})`}`);
      if (!same) failed = true;
    }
    await rm(numbers, { force: true });
  }

  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(`${parallelCapacity(join(work, 'wordcount'), join(work, `kjv-x${num(flags['kjv-copies'])}.txt`))}\n`);

  if (flags.container) failed = (await containerRun(work, spill)) || failed;
} finally {
  if (flags.keep) log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;

/**
 * How much of a second core this machine really gave during the run: one C word count alone
 * versus two at once (best of --repeat). 2.0 means two free cores; near 1.0 means the second was
 * busy with other work, and the 2-thread ratios above cannot show a speed-up.
 */
function parallelCapacity(cBinary: string, input: string): string {
  if (flags.only === 'evensum') return '';
  let alone = Infinity;
  let together = Infinity;
  for (let round = 0; round < repeat; round++) {
    let started = performance.now();
    spawnSync(cBinary, [input], { stdio: 'ignore' });
    alone = Math.min(alone, performance.now() - started);
    started = performance.now();
    spawnSync('sh', ['-c', `"${cBinary}" "${input}" >/dev/null & "${cBinary}" "${input}" >/dev/null; wait`], { stdio: 'ignore' });
    together = Math.min(together, performance.now() - started);
  }
  return `\nparallel capacity during the run: ${((2 * alone) / together).toFixed(2)} cores (one C word count ${(alone / 1000).toFixed(3)} s, two at once ${(together / 1000).toFixed(3)} s)`;
}

/**
 * Word count of a big generated file with a huge vocabulary inside a 100 MB container; returns
 * true on failure (OOM kill, error, or output different from the C reference's).
 */
async function containerRun(work: string, spill: string): Promise<boolean> {
  const bytes = num(flags['container-bytes']);
  const distinct = num(flags['container-distinct']);
  const input = join(work, 'many-words.txt');
  log(`generating ${(bytes / 1e6).toFixed(0)} MB of words from a vocabulary of ${distinct}...`);
  await generateWordsFile(input, bytes, distinct);
  const name = `bench-large-files-${process.pid}`;
  const containerBudget = num(flags['container-budget']);
  log(`word count inside docker run --memory 100m (budget ${containerBudget} bytes, 1 thread)...`);
  const started = performance.now();
  const create = spawnSync(
    'docker',
    [
      'run', '-d', '--name', name, '--memory', '100m', '--memory-swap', '100m',
      '-v', `${dist}:/app/dist:ro`, '-v', `${work}:/work`,
      flags['container-image']!,
      'node', '/app/dist/bench/largeFilesChild.js', 'wordcount',
      '/work/many-words.txt', '/work/many-words.ours.txt', '1', String(containerBudget), '/work/spill',
    ],
    { encoding: 'utf8' },
  );
  if (create.status !== 0) throw new Error(`docker run failed: ${create.stderr}`);
  const id = create.stdout.trim();
  // Peak anonymous memory (RSS) of the container, sampled from its cgroup (v1, cgroupfs driver):
  // the page cache of reading a 1 GB file also counts in the cgroup's usage, but is reclaimable.
  let peakRss = 0;
  const sample = setInterval(() => {
    void readFile(`/sys/fs/cgroup/memory/docker/${id}/memory.stat`, 'utf8')
      .then((stat) => {
        const rss = Number(/^total_rss (\d+)$/m.exec(stat)?.[1] ?? 0);
        peakRss = Math.max(peakRss, rss);
      })
      .catch(() => {});
  }, 200);
  const waited = await new Promise<string>((resolveWait) => {
    const wait = spawn('docker', ['wait', id]);
    let out = '';
    wait.stdout.on('data', (d: Buffer) => (out += d.toString()));
    wait.on('close', () => resolveWait(out.trim()));
  });
  clearInterval(sample);
  const wallMs = performance.now() - started;
  const inspect = spawnSync('docker', ['inspect', '-f', '{{.State.OOMKilled}}', id], { encoding: 'utf8' }).stdout.trim();
  const logs = spawnSync('docker', ['logs', id], { encoding: 'utf8' });
  spawnSync('docker', ['rm', '-f', id]);
  log(`container: exit ${waited}, OOM-killed ${inspect}, ${(wallMs / 1000).toFixed(1)} s, peak RSS ${(peakRss / 2 ** 20).toFixed(1)} MB; ${logs.stdout.trim()} ${logs.stderr.trim()}`);
  if (waited !== '0') {
    process.stdout.write(`\nword count in a 100 MB container: FAILED (exit ${waited}, OOM-killed: ${inspect})\n`);
    return true;
  }
  log('C reference outside the container...');
  const cStarted = performance.now();
  execFileSync('sh', ['-c', `"${join(work, 'wordcount')}" "${input}" > "${join(work, 'many-words.c.txt')}"`]);
  const cMs = performance.now() - cStarted;
  const same = spawnSync('cmp', ['-s', join(work, 'many-words.c.txt'), join(work, 'many-words.ours.txt')]).status === 0;
  const result = JSON.parse(logs.stdout) as { distinctWords: number; totalWords: number };
  process.stdout.write(
    `\nword count in a 100 MB container: ${(bytes / 1e9).toFixed(2)} GB, ${result.distinctWords} distinct words, ` +
      `${(wallMs / 1000).toFixed(1)} s (C outside, unbounded: ${(cMs / 1000).toFixed(1)} s); ` +
      `peak RSS ${(peakRss / 2 ** 20).toFixed(1)} MB; not OOM-killed: ${inspect === 'false'}; output ${same ? 'byte-identical to C' : 'DIFFERENT from C'}\n`,
  );
  await rm(spill, { recursive: true, force: true });
  return !same;
}
