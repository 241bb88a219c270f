import { anySignal } from '../../common/anySignal.js';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ExitCode } from '../../cli/exitCodes.js';
import { parseByteSize } from '../../common/env.js';
import { freePort } from '../../common/freePort.js';
import type { DecisionMark, Report } from '../../scaler/report/model.js';
import type { LargeFileDemoFlags } from '../command.js';
import { decisionTicker } from '../decisionTicker.js';
import { connectDocker, ensureImages, stackImages } from '../demoImages.js';
import { DemoProcesses } from '../demoProcesses.js';
import { DemoInterrupt } from '../demoInterrupt.js';
import { DemoStack, type ServiceReplica } from '../demoStack.js';
import { fileLeftoverCommand, runLeftoverCommands } from '../leftBehind.js';
import { uploadFileJob } from './fileUpload.js';
import { largeFileOutcome, type RunRecord, type RunSecond } from './largeFileOutcome.js';
import { largeFileReportHtml } from './largeFileReport.js';
import { copiesFor, expectedWordCount, textBlock, type TextBlock } from './textCorpus.js';

const APP = 'demo-app';
const WORKER = 'demo-worker';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BLOCK_BYTES = 4 * MiB;
/** The seed's lesson-2 budget, for the app and for every worker. */
const CPU_CORES = 0.1;
const MEMORY_BYTES = 100 * MiB;
/** More, smaller chunks than the default 64 MiB: more work items for the queue-depth target. */
const CHUNK_BYTES = 32 * MiB;
/** Longer than the demo's stable window (20 s) and trend span. */
const QUIET_SECONDS = 30;

const say = (line: string) => process.stdout.write(`${line}\n`);

interface Settings {
  sizeBytes: number;
  maxWorkers: number;
  cooldownSeconds: number;
}

function settingsFrom(flags: LargeFileDemoFlags): Settings {
  const sizeBytes = flags.size === undefined ? (flags.short ? 512 * MiB : 2 * GiB) : parseByteSize(flags.size);
  if (sizeBytes === undefined || !(sizeBytes >= BLOCK_BYTES)) throw new Error(`--size must be a size of at least 4MiB such as 2GiB or 600MB, not ${JSON.stringify(flags.size)}`);
  const maxWorkers = Number(flags.maxWorkers);
  if (!Number.isInteger(maxWorkers) || maxWorkers < 2 || maxWorkers > 16) throw new Error(`--max-workers must be a whole number from 2 to 16, not ${JSON.stringify(flags.maxWorkers)}`);
  const cooldownSeconds = flags.cooldown === undefined ? (flags.short ? 60 : 90) : Number(flags.cooldown);
  if (!Number.isFinite(cooldownSeconds) || cooldownSeconds < 0) throw new Error(`--cooldown must be a number of seconds ≥ 0, not ${JSON.stringify(flags.cooldown)}`);
  return { sizeBytes, maxWorkers, cooldownSeconds };
}

/** Policy labels shared by the app and the workers: the seed's budget, short windows for a demo. */
function policyLabels(service: string, extra: Record<string, string>): Record<string, string> {
  return {
    'scalewright.service': service,
    'scalewright.managed': 'true',
    'scalewright.cpu.min': String(CPU_CORES),
    'scalewright.cpu.max': '0.5',
    // Memory stays at the seed's 100 MB: the point is that the engine fits it, not that it grows.
    'scalewright.memory.min': String(MEMORY_BYTES),
    'scalewright.memory.max': String(MEMORY_BYTES),
    'scalewright.target.cpu': '0.6',
    'scalewright.startup-seconds': '5',
    'scalewright.window.stable-seconds': '20',
    'scalewright.window.scale-down-stabilisation-seconds': '20',
    'scalewright.cooldown.after-scale-out-seconds': '20',
    'scalewright.cooldown.between-scale-in-seconds': '10',
    ...extra,
  };
}

export async function runLargeFileDemo(flags: LargeFileDemoFlags): Promise<number> {
  let settings: Settings;
  try {
    settings = settingsFrom(flags);
  } catch (error) {
    say(`demo-large-file: ${(error as Error).message}`);
    return ExitCode.usage;
  }
  // From here on an interrupt removes what was made so far: a build in progress, a partial input file, the run's containers.
  const interrupt = new DemoInterrupt('demo-large-file');
  return interrupt.run(() => runWith(flags, settings, interrupt));
}

async function runWith(flags: LargeFileDemoFlags, settings: Settings, interrupt: DemoInterrupt): Promise<number> {
  const { signal } = interrupt;
  const docker = await connectDocker(flags.dockerSocket, say);
  if (!docker) return ExitCode.failure;
  const images = ensureImages(docker, flags, say, signal);
  // Interrupted, a build is stopped and waited for: its script removes its staging folder.
  const imagesDone = interrupt.track({ byHand: [], undo: () => images.then(() => undefined, () => undefined) });
  await images;
  await imagesDone();

  const runId = randomBytes(3).toString('hex');
  const out = resolve(flags.out);
  await mkdir(out, { recursive: true });
  const input = join(out, 'large-input.txt');
  const block = textBlock(BLOCK_BYTES);
  const copies = copiesFor(block, settings.sizeBytes);
  const fileBytes = copies * block.bytes.length;
  say(`demo-large-file ${runId}: word count of a ${(fileBytes / GiB).toFixed(2)} GiB file on workers at ${CPU_CORES} CPU / 100 MB, without then with the scaler (up to ${settings.maxWorkers} workers)`);
  const writing = writeRepeated(input, block, copies, signal);
  // The input is as big as --size (2 GiB by default): removed at the end, and when interrupted, once
  // its writing has stopped (a file removed before its stream had opened it would be made again).
  const removeInput = interrupt.track({ byHand: [fileLeftoverCommand(input)], undo: () => writing.then(() => undefined, () => undefined).then(() => rm(input, { force: true })) });
  try {
    await writing;
  } catch (error) {
    await removeInput();
    throw error;
  }
  const expected = expectedWordCount(block, copies);

  const stack = new DemoStack(docker, {
    runId,
    ...stackImages(flags),
    service: APP,
    appCpus: CPU_CORES,
    appMemoryBytes: MEMORY_BYTES,
    sharedVolume: true,
    appEnv: [`CHUNK_BYTES=${CHUNK_BYTES}`, 'WORKER_CONCURRENCY=1', 'WORDCOUNT_MEMORY_BUDGET=32MiB', 'LARGE_FILES_THREADS=1'],
    // One upload goes to one replica; a second app replica is what the policy may add when the
    // first is at its CPU cap, and it grows vertically first.
    appLabels: policyLabels(APP, { 'scalewright.metrics.port': '8080', 'scalewright.min-replicas': '1', 'scalewright.max-replicas': '2' }),
  });
  let parts: DemoProcesses | undefined;
  // Interrupted: the run's steps stop (they watch `signal`), then the stack is torn down (once the
  // step in flight has ended, so that no container is created after the teardown listed them), the
  // input removed, and the process exits 130 (SIGINT) or 143 (SIGTERM).
  let stepsEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (stepsEnded = resolve));
  const teardown = interrupt.track({
    byHand: runLeftoverCommands({ runId, network: stack.network, volume: stack.volume }),
    undo: async () => {
      await ended;
      await parts?.stopAll();
      if (!flags.keep) {
        const removed = await stack.down();
        say(`demo-large-file: removed ${removed} container(s), network ${stack.network} and volume ${stack.volume}`);
      } else {
        say(`demo-large-file: left running (label scalewright.demo=${runId})`);
      }
    },
  });
  const stopParts = () => void parts?.stopAll();
  signal.addEventListener('abort', stopParts, { once: true });

  try {
    const { influxUrl } = await stack.up(signal);
    await stack.startWorker({
      labels: policyLabels(WORKER, {
        'scalewright.metrics.port': '9465',
        'scalewright.min-replicas': '1',
        'scalewright.max-replicas': String(settings.maxWorkers),
        // Two chunks waiting per worker is the backlog the policy plans for.
        'scalewright.target.queue-per-replica': '2',
      }),
      cpus: CPU_CORES,
      memoryBytes: MEMORY_BYTES,
    });
    signal.throwIfAborted();
    say(`demo-large-file: InfluxDB ${flags.influxUrl ? `at ${influxUrl}` : `started for this run at ${influxUrl} (${flags.influxImage}), removed at the end`}`);
    parts = new DemoProcesses(out, { ...process.env, INFLUX_URL: influxUrl, LOG_LEVEL: flags.logLevel });
    parts.start('collector', ['collector', '--interval', '1000', '--network', stack.network, '--require-label', `scalewright.demo=${runId}`, '--port', String(await freePort())]);
    const appUrl = `http://${await stack.appAddress()}:8080`;
    await waitHealthy(appUrl, signal);
    say(`demo-large-file: app and worker up (app at ${appUrl}); collector started (logs in ${out})`);

    const observe = observer(stack);
    const ticker = decisionTicker(influxUrl, [WORKER, APP]);
    const deadlineSeconds = 120 + fileBytes / MiB;
    const baseline = await runOnce({ name: 'without scaling', scaled: false, appUrl, input, fileBytes, expected, observe, ticker: async () => undefined, deadlineSeconds, signal });

    // The scaler reads the last minutes of the collector's data: started at once, it would take
    // the baseline's busy worker for load that is still there.
    say(`demo-large-file: letting the first run's load leave the scaler's window (${QUIET_SECONDS} s), then starting the scaler`);
    await sleep(QUIET_SECONDS * 1000, undefined, { signal });
    // A worker told to stop finishes its chunk first: the drain time covers one chunk at 0.1 CPU.
    parts.start('scaler', ['scaler', '--interval', '2', '--stale-after', '10', '--drain', '30', '--health-timeout', '90', '--require-label', `scalewright.demo=${runId}`, '--port', String(await freePort())]);
    const scalerStartedAt = Date.now();
    // The scaler's first evaluations need a few seconds of samples of the idle service.
    await sleep(5000, undefined, { signal });
    const scaledStartedAt = Date.now();
    const scaled = await runOnce({ name: 'with scaling', scaled: true, appUrl, input, fileBytes, expected, observe, ticker, deadlineSeconds, signal });

    say(`demo-large-file: watching the workers scale back in (up to ${settings.cooldownSeconds} s)`);
    for (let second = 0; second < settings.cooldownSeconds; second++) {
      signal.throwIfAborted();
      const { workers, app } = await observe();
      const decision = await ticker();
      say(`[cool-down ${String(second).padStart(3)}s] ${workerLine(workers, app)}${decision ? ` | scaler: ${decision}` : ''}`);
      if (workers.length <= 1 && second >= 5) break;
      await sleep(1000);
    }
    const endedAt = Date.now();

    signal.throwIfAborted();
    const outcome = largeFileOutcome(baseline, scaled);
    await writeFile(join(out, 'large-file-timeline.json'), JSON.stringify({ runId, fileBytes, settings, baseline, scaled, outcome }, null, 2));
    say('demo-large-file: writing the reports');
    const scalerReportCode = await parts.run('report', ['report', '--service', `${WORKER},${APP}`, '--from', new Date(scaledStartedAt - 10_000).toISOString(), '--to', new Date(endedAt).toISOString(), '--out', out, '--name', 'large-file-scaler-report']);
    const decisions = scalerReportCode === 0 ? await scaledRunDecisions(join(out, 'large-file-scaler-report.json'), scalerStartedAt, scaledStartedAt) : [];
    const html = largeFileReportHtml({ fileBytes, baseline, scaled, outcome, decisions, ...(scalerReportCode === 0 ? { scalerReport: 'large-file-scaler-report.html' } : {}) });
    await writeFile(join(out, 'large-file-report.html'), html);

    say('');
    say(
      `Summary: a ${(fileBytes / GiB).toFixed(2)} GiB file went through the API to word-count workers limited to ${CPU_CORES} CPU / 100 MB. ` +
        `Without the scaler one worker counted it in ${baseline.processingSeconds.toFixed(1)} s; with it, the scaler added workers (up to ${outcome.peakWorkers}) for the queued chunks and raised their CPU (up to ${outcome.peakWorkerCpuCores.toFixed(2)} cores), ` +
        `and the count took ${scaled.processingSeconds.toFixed(1)} s (${outcome.processingSpeedup.toFixed(2)}x faster; ${outcome.totalSpeedup.toFixed(2)}x with the upload). ` +
        `OOM kills: ${baseline.oomKilled + scaled.oomKilled}. Both results ${baseline.resultCorrect && scaled.resultCorrect ? 'equal' : 'do NOT both equal'} the count known in advance.`,
    );
    for (const goal of outcome.goals) say(`  ${goal.met ? 'met   ' : 'MISSED'} ${goal.name}: ${goal.detail}`);
    say(`report: ${join(out, 'large-file-report.html')}${scalerReportCode === 0 ? ` (scaler's report: ${join(out, 'large-file-scaler-report.html')})` : ''}; timeline: ${join(out, 'large-file-timeline.json')}`);
    return flags.strict && outcome.goals.some((goal) => !goal.met) ? ExitCode.failure : ExitCode.ok;
  } catch (error) {
    // Interrupted, the steps fail as what they waited on goes away: that is not the run's failure.
    if (!signal.aborted) say(`demo-large-file: failed: ${(error as Error).message}`);
    return ExitCode.failure;
  } finally {
    signal.removeEventListener('abort', stopParts);
    stepsEnded();
    await teardown();
    await removeInput();
  }
}

/**
 * Writes `copies` blocks to `path`, saying how far it is every 10%. `signal` stops it between two
 * blocks; it settles only once the file is closed, so that the file can then be removed for good.
 */
async function writeRepeated(path: string, block: TextBlock, copies: number, signal: AbortSignal): Promise<void> {
  const stream = createWriteStream(path);
  try {
    let lastTenth = -1;
    for (let i = 0; i < copies; i++) {
      signal.throwIfAborted();
      if (!stream.write(block.bytes)) await once(stream, 'drain', { signal });
      const tenth = Math.floor((10 * (i + 1)) / copies);
      if (tenth !== lastTenth && tenth > 0) {
        lastTenth = tenth;
        say(`demo-large-file: writing the input file ${tenth * 10}%`);
      }
    }
    stream.end();
    await once(stream, 'finish');
  } finally {
    // Closed either way (destroying a finished stream changes nothing); `finished` waits for the close.
    stream.destroy();
    await finished(stream).catch(() => undefined);
  }
}

async function waitHealthy(appUrl: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${appUrl}/readyz`, { signal: anySignal([AbortSignal.timeout(1000), signal]) }).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(500, undefined, { signal });
  }
  throw new Error('the app never became ready (see docker logs of the demo containers)');
}

interface Observation {
  workers: ServiceReplica[];
  app: ServiceReplica[];
}

/** The containers of both services now; containers the kernel OOM-killed are remembered for good. */
function observer(stack: DemoStack): (() => Promise<Observation>) & { oomKilled: Set<string> } {
  const oomKilled = new Set<string>();
  const observe = async () => {
    const [workers, app] = await Promise.all([stack.replicasOf(WORKER), stack.replicasOf(APP)]);
    for (const replica of [...workers, ...app]) if (replica.oomKilled || replica.restartCount > 0) oomKilled.add(replica.name);
    return { workers: workers.filter((w) => !w.oomKilled), app: app.filter((a) => !a.oomKilled) };
  };
  return Object.assign(observe, { oomKilled });
}

function workerLine(workers: ServiceReplica[], app: ServiceReplica[]): string {
  const cpus = [...new Set(workers.map((w) => w.cpuLimitCores.toFixed(2)))].join('/');
  return `workers ${workers.length} × ${cpus || '-'} cpu | app ${app.map((a) => a.cpuLimitCores.toFixed(2)).join('/') || '-'} cpu`;
}

const STATUS = z.object({ status: z.string(), progress: z.object({ bytesDone: z.number(), bytesTotal: z.number() }).optional(), error: z.string().optional() });

interface RunOptions {
  name: string;
  scaled: boolean;
  appUrl: string;
  input: string;
  fileBytes: number;
  expected: string;
  observe: ReturnType<typeof observer>;
  ticker: () => Promise<string | undefined>;
  deadlineSeconds: number;
  /** The demo interrupted: the run stops within the second (an upload in flight fails as the app goes). */
  signal: AbortSignal;
}

/** One run: upload through the API, follow the job to its end second by second, check the result. */
async function runOnce(options: RunOptions): Promise<RunRecord> {
  const { name, appUrl, fileBytes } = options;
  const startedAt = Date.now();
  const oomBefore = options.observe.oomKilled.size;
  let uploaded = 0;
  let token: string | undefined;
  let uploadSeconds = 0;
  let error: string | undefined;
  void uploadFileJob(`${appUrl}/file`, options.input, (sent) => (uploaded = sent)).then(
    (t) => {
      token = t;
      uploadSeconds = (Date.now() - startedAt) / 1000;
    },
    (e: Error) => (error = `upload failed: ${e.message}`),
  );
  const seconds: RunSecond[] = [];
  let finishedAt: number | undefined;
  let counted = 0;
  for (let second = 0; !finishedAt && !error; second++) {
    options.signal.throwIfAborted();
    if (second > options.deadlineSeconds) {
      error = `not finished after ${options.deadlineSeconds} s`;
      break;
    }
    const tick = sleep(1000);
    if (token) {
      const status = await fetch(`${appUrl}/file/${token}/status`, { signal: AbortSignal.timeout(2000) })
        .then(async (r) => STATUS.parse(await r.json()))
        .catch(() => undefined);
      if (status?.progress) counted = status.progress.bytesDone;
      if (status?.status === 'finished') {
        finishedAt = Date.now();
        counted = fileBytes;
      } else if (status?.status === 'errored') error = `job errored: ${status.error ?? 'no reason given'}`;
    }
    const { workers, app } = await options.observe();
    const sample: RunSecond = {
      second,
      phase: finishedAt ? 'done' : token ? 'processing' : 'upload',
      uploadedBytes: uploaded,
      countedBytes: counted,
      fileBytes,
      workers: workers.length,
      workerCpuCores: Math.max(0, ...workers.map((w) => w.cpuLimitCores)),
      workerCpuTotalCores: workers.reduce((sum, w) => sum + w.cpuLimitCores, 0),
      appCpuCores: Math.max(0, ...app.map((a) => a.cpuLimitCores)),
    };
    seconds.push(sample);
    const decision = await options.ticker();
    const pct = (part: number) => `${String(Math.floor((100 * part) / fileBytes)).padStart(3)}%`;
    say(
      `[${name} ${String(second).padStart(3)}s] ${sample.phase.padEnd(10)} uploaded ${pct(uploaded)} | counted ${pct(counted)} | ${workerLine(workers, app)}` +
        (decision ? ` | scaler: ${decision}` : ''),
    );
    await tick;
  }
  const totalSeconds = ((finishedAt ?? Date.now()) - startedAt) / 1000;
  let resultCorrect = false;
  if (token && finishedAt) {
    const result = await fetch(`${appUrl}/file/${token}/result`).then((r) => (r.ok ? r.text() : undefined), () => undefined);
    resultCorrect = result === options.expected;
  }
  return {
    name,
    scaled: options.scaled,
    uploadSeconds,
    processingSeconds: Math.max(0, totalSeconds - uploadSeconds),
    totalSeconds,
    seconds,
    oomKilled: options.observe.oomKilled.size - oomBefore,
    resultCorrect,
    ...(error ? { error } : {}),
  };
}

/**
 * Every decision of the scaler on both services since it started (its first ones come in the
 * seconds before the scaled run's upload), timed from that run's start, taken from the scaler's
 * report just written (it has read them from InfluxDB already).
 */
async function scaledRunDecisions(reportJson: string, scalerStartedAt: number, runStartedAt: number): Promise<DecisionMark[]> {
  // Our own report, written by `scalewright report` a moment ago.
  const report = JSON.parse(await readFile(reportJson, 'utf8')) as Report;
  return report.services
    .flatMap((service) => service.decisions.filter((d) => d.time >= scalerStartedAt).map((d) => ({ ...d, time: d.time - runStartedAt, change: `${service.service}: ${d.change}` })))
    .sort((a, b) => a.time - b.time);
}
