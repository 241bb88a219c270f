import type { EventEmitter } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { decimalNumber } from '../../common/decimalNumber.js';
import { ConfigError } from '../../common/env.js';
import { makeFolder, requireExisting, requireFileDestination, requireFolderDestination } from '../../common/flagPaths.js';
import { runsAsPidOne } from '../../cli/pidOneSignals.js';
import { ExitCode } from '../../cli/exitCodes.js';
import { loadPolicyConfigFile } from '../config/loadPolicyConfig.js';
import { parsePolicyConfig, PolicyConfigError, type PolicyConfig } from '../config/policyConfig.js';
import { compareTraces } from './comparePool.js';
import { capacityPerReplica, DEFAULT_SERVICE_MODEL, type ServiceModel } from './serviceModel.js';
import type { PolicyName } from './simulate.js';
import { DEFAULT_SYNTHETIC_SEED, HELD_OUT_SHAPES, SYNTHETIC_SHAPES, syntheticTrace, type SyntheticShape } from './synthetic.js';
import { frontierChart } from './frontierChart.js';
import { requireApart } from './outputPaths.js';
import type { SecondsRange } from './timeline.js';
import { timelineChart } from './timelineChart.js';
import { GAP_STEPS, replayedSeconds, type GapReading, type ReplayOptions } from './replay.js';
import { formatComparisonTable, formatDecisionLines, formatFrontierLines } from './table.js';
import { MAX_TRACE_BYTES, reversedTrace, TraceParseError, type Trace } from './trace.js';
import { readTraceFile } from './traceFile.js';

/**
 * The project's shared data sit beside the checkout (`../shared`, as in CI). Found by walking up
 * from this file to the package root, so that it holds from the sources and from `dist/` alike;
 * SCALEWRIGHT_TRACES overrides it.
 */
const DEFAULT_TRACE_DIR = process.env.SCALEWRIGHT_TRACES ?? join(packageRoot(), '..', 'shared', 'data', 'traces');

function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

interface SimulateFlags {
  trace?: string;
  all?: string | true;
  policy: 'hpa' | 'adaptive' | 'both';
  json?: boolean;
  config?: string;
  peakRps: number;
  maxReplayStep: number;
  cpuLimit: number;
  cpuMsPerRequest: number;
  concurrency: number;
  /** Undefined when not given: the --config file's startupSeconds, else the model's 30 s. */
  startupSeconds?: number;
  queuePerReplica: number;
  /** Undefined when not given: the --config file's replicas.max, else 40. */
  maxReplicas?: number;
  sloMs?: number;
  bridgeSeconds?: number;
  bridge: boolean;
  latencyFeedback: boolean;
  capacityError: number;
  dependencyMs: number;
  /** Each --synthetic's shapes as given, or true (all) for a --synthetic without them. */
  synthetic?: string[] | true;
  seed?: number[];
  reverse?: boolean;
  frontier?: boolean;
  frontierWindow: number;
  chart?: string;
  decisions?: boolean;
  gaps: GapReading;
  jobs: number | 'auto';
  timeline?: string;
  timelineRange?: SecondsRange;
  timeColumn?: string;
  valueColumn?: string;
  events?: boolean;
}

/** A numeric flag's parser: a finite number that `accepts`, or an error naming the flag and `what` it must be. */
const numberFlag = (name: string, accepts: (number: number) => boolean, what: string) => (value: string) => {
  // Decimal only: Number() also took "0x10" (16), "0b11", " 4" and "", a value the operator did not write.
  const number = decimalNumber(value);
  if (!Number.isFinite(number) || !accepts(number)) throw new InvalidArgumentError(`${name} must be ${what}, got ${JSON.stringify(value)}`);
  return number;
};
const positive = (name: string) => numberFlag(name, (number) => number > 0, 'a positive number');
const nonNegative = (name: string) => numberFlag(name, (number) => number >= 0, 'a number of 0 or more');

/**
 * `scalewright simulate`: replays request-rate traces through a model of a service under the
 * HPA rule and under our adaptive policy, and prints what each cost and what each broke.
 */
export function simulateCommand(): Command {
  const command = new Command('simulate');
  command
    .description('Replay a request-rate trace (timestamp_seconds,value CSV) through a service model under the Kubernetes HPA rule and the adaptive policy; print SLO-violation seconds, replica-seconds, scale actions and flaps')
    .option('--trace <csv>', 'one trace to replay (a regular file of at most 256 MB; --all for several)')
    .option('--all [dir]', `every *.csv in a folder, as one table (default folder: ${DEFAULT_TRACE_DIR}, when it exists)`)
    .addOption(new Option('--policy <name>', 'which policy to run').choices(['hpa', 'adaptive', 'both']).default('both'))
    .option('--json', 'print JSON instead of the table: one object, {"model", "config", "comparisons"}, the model and policy config used and a comparison per trace')
    .option('--config <file>', 'service policy config (JSON or YAML), as the scaler reads it (its defaults for what it leaves out); the flags that set a field of it (--max-replicas, --startup-seconds, --slo-ms, --bridge-seconds, --no-latency-feedback) win over it when given; default: built-in defaults with max 40 replicas')
    .option('--peak-rps <n>', 'load rescaling: the busiest simulated second becomes this many requests/s', positive('--peak-rps'), 560)
    .option('--max-replay-step <s>', 'time rescaling: a row of step Δ plays over min(Δ, this) simulated seconds', positive('--max-replay-step'), 60)
    .option('--time-column <name|n>', 'the trace files\' timestamp column, by header name or number from 1 (default: the 1st); its header name gives its unit (end_timestamp_ms, time (ms)), as for the 1st')
    .option('--value-column <name|n>', 'the trace files\' value column, by header name or number from 1 (default: the 1st that is not the timestamp\'s, so the 2nd), for files with more columns than two')
    .option('--events', 'the trace files are request logs: one row per request at its timestamp (as the Azure LLM inference traces are published), counted per second; rows may share a timestamp and come in any order, and no value column is read')
    .addOption(new Option('--gaps <reading>', `how to read rows more than ${GAP_STEPS} steps apart: "zero" (the missing rows count no requests, as in a count trace that skips empty seconds) or "hold" (the row before holds, as in a sampled rate with missed scrapes)`).choices(['zero', 'hold']).default('zero'))
    .option('--cpu-limit <cores>', 'model: CPU limit per replica (cores)', positive('--cpu-limit'), DEFAULT_SERVICE_MODEL.cpuLimitCores)
    .option('--cpu-ms-per-request <ms>', 'model: CPU time one request needs (ms)', positive('--cpu-ms-per-request'), DEFAULT_SERVICE_MODEL.cpuSecondsPerRequest * 1000)
    .option('--concurrency <n>', 'model: requests one replica serves at once', positive('--concurrency'), DEFAULT_SERVICE_MODEL.concurrency)
    .option('--startup-seconds <s>', `model: time from asking for a replica to it serving, also the policy config's startupSeconds (default: the --config file's, else ${DEFAULT_SERVICE_MODEL.startupSeconds})`, numberFlag('--startup-seconds', (n) => n > 0 && n <= 86_400, 'a positive number of seconds, at most 86400'))
    .option('--queue-per-replica <n>', 'model: waiting requests per ready replica before drops', positive('--queue-per-replica'), DEFAULT_SERVICE_MODEL.queueLimitPerReplica)
    .option('--dependency-ms <ms>', 'model: time every request also waits on a slow dependency (no CPU, no slot), added to its latency whatever the replicas: latency that replicas do not cure', nonNegative('--dependency-ms'), 0)
    .option('--max-replicas <n>', `replica ceiling for both policies, the policy config's replicas.max (default: the --config file's, else ${DEFAULT_MAX_REPLICAS})`, numberFlag('--max-replicas', (n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'a whole number from 1 to 1000'))
    .option('--slo-ms <ms>', 'p95 latency objective (default: the --config file\'s targets.p95LatencyMs, else 500)', positive('--slo-ms'))
    .option('--no-bridge', 'run the adaptive policy without its vertical start-up bridge (replicas only), to see what the bridge is worth')
    .option('--bridge-seconds <s>', 're-size the vertical bridge alone this often between evaluations (default: the --config file\'s bridgeSeconds, else 1; the evaluation period or more: only at evaluations)', numberFlag('--bridge-seconds', (n) => Number.isInteger(n) && n >= 1 && n <= 3600, 'a whole number of seconds from 1 to 3600'))
    .option('--no-latency-feedback', 'run the adaptive policy without latency feedback (config targets.latencyCorrectionFloor 1)')
    .option('--capacity-error <factor>', 'tell the adaptive policy each replica carries this multiple of what it does (1.5: an rps-per-replica target 50% too high); the HPA rule measures CPU and is told nothing', positive('--capacity-error'), 1)
    .option('--synthetic [shapes]', `generated shapes instead of (or with) trace files: comma-separated names, "goal" (${SYNTHETIC_SHAPES.join(', ')}), "held-out" (${HELD_OUT_SHAPES.join(', ')}) or "all" (default); given again, its shapes are added (--synthetic spike --synthetic ramp is spike,ramp); each shape once, however often named`, shapeLists)
    .option('--seed <n,...>', `the random seeds of the generated shapes, comma-separated (or --seed given again): each shape is run once per seed (a check that a result is not one draw's luck; default ${DEFAULT_SYNTHETIC_SEED}, the published figures' seed)`, seedList)
    .option('--reverse', 'play every trace backwards in time (a held-out variant: rises become falls)')
    .option('--frontier', 'also trace the cost/violation frontier of a clairvoyant planner (knows the surrounding load, acts at once) and say whether the goal is within its reach')
    .option('--frontier-window <s>', 'the clairvoyant planner knows the load of this many seconds before and after each second', numberFlag('--frontier-window', (n) => Number.isInteger(n) && n >= 1, 'a whole number of seconds, 1 or more'), 60)
    .option('--chart <file.svg>', 'write the frontier chart (cost against violations per trace, as multiples of the HPA rule\'s) to this SVG file; implies --frontier and needs --policy both')
    .option('--timeline <file.svg|folder/>', 'write a chart of each replay over time: the load against each policy\'s ready capacity, their replicas, and their violation-seconds so far; to this SVG file for one trace, or into this folder (an existing one, or a name ending in /, created if missing) as <trace>.svg for each')
    .option('--timeline-range <from:to>', 'draw only these simulated seconds in the --timeline chart (e.g. 600:1800), at a finer grain; the simulation still runs the whole trace, and a range that ends past its replay is refused', secondsRangeFlag)
    .option('--jobs <n|auto>', `replays run at once, each on its own worker thread (1: one after another on this thread, or on one worker thread as a container's PID 1, so that a signal is answered at once). "auto": one per CPU (${availableParallelism()} here), and only as many as the work is worth (a thread per ~5 s of replays). The results are the same, in the same order, whatever the number`, jobsFlag, 'auto')
    .option('--decisions', 'also print every replica decision of each policy with the simulated second, from → to and its reason (with --json: each outcome\'s "decisions", signals and thresholds included); the bridge\'s CPU changes are only counted')
    .addHelpText('after', `
Environment: none (every setting is a flag; the policy config file is --config).
Rescaling is printed with every result: time (hourly traces play each hour as a minute with the
default --max-replay-step 60; rows shorter than a simulated second are averaged over it, none
dropped) and load (the busiest simulated second becomes --peak-rps). Progress goes to stderr.
Ratios (adaptive/hpa) where the HPA rule's figure is 0: "0/0" when the adaptive policy's is 0 too,
"inf" when it is not; --json writes both as null, and each comparison's outcomes hold the figures.
A chart is never written over a file the run reads (a trace, the --config file).
Every bad trace file is reported, each with its problems, before anything is simulated.
A flag that takes one value is given once: given twice, it is refused (exit 2), naming both
values; --synthetic and --seed given again add to their lists.
Exit codes: 0 ok, 1 a trace could not be simulated or the chart not written, 2 bad flags, config or trace file.

Examples:
  scalewright simulate --trace ../shared/data/traces/worldcup98_1h.csv
  scalewright simulate --all                       # the table over ${DEFAULT_TRACE_DIR}
  scalewright simulate --all ./traces --json --policy adaptive
  scalewright simulate --all --frontier --chart frontier.svg   # how far is the goal?
  scalewright simulate --synthetic goal,held-out --seed 1,2,3,4,5   # one draw's luck?
  scalewright simulate --synthetic short-bursts --decisions         # why did it scale?
  scalewright simulate --trace ../shared/data/traces/azure_llm_conv_2023_1s.csv --timeline conv.svg   # when?
  scalewright simulate --all --timeline timelines/                  # a chart per trace
  scalewright simulate --trace AzureLLMInferenceTrace_conv.csv --events   # a request log, counted per second
  scalewright simulate --trace AzureFunctionsInvocationTrace.txt --events --time-column end_timestamp`)
    .action(async (flags: SimulateFlags) => {
      process.exitCode = await runSimulate(flags);
    });
  return refusingRepeatedValues(command, LIST_FLAGS, INSTEAD_OF_REPEATING);
}

async function runSimulate(flags: SimulateFlags): Promise<number> {
  const started = Date.now();
  try {
    if (flags.seed !== undefined && flags.synthetic === undefined) throw new ConfigError('--seed seeds the generated shapes: give --synthetic too');
    if (flags.events && flags.valueColumn !== undefined) throw new ConfigError('--events counts the rows of a request log and reads no value column: give one of --events and --value-column');
    const files = flags.trace !== undefined || flags.all !== undefined || flags.synthetic === undefined ? await traceFiles(flags) : [];
    const traces = [...files, ...syntheticList(flags.synthetic).flatMap((shape) => (flags.seed ?? [DEFAULT_SYNTHETIC_SEED]).map((seed) => ({ shape, seed })))];
    const config = await simulationConfig(flags);
    const model: ServiceModel = {
      cpuLimitCores: flags.cpuLimit,
      cpuSecondsPerRequest: flags.cpuMsPerRequest / 1000,
      concurrency: flags.concurrency,
      // The policy's start-up and the model's are one: the flag's, else the config file's.
      startupSeconds: config.startupSeconds,
      queueLimitPerReplica: flags.queuePerReplica,
      sloP95Seconds: (flags.sloMs ?? config.targets.p95LatencyMs) / 1000,
      dependencySeconds: flags.dependencyMs / 1000,
    };
    const policies: PolicyName[] = flags.policy === 'both' ? ['hpa', 'adaptive'] : [flags.policy];
    if (flags.chart !== undefined && flags.policy !== 'both') throw new ConfigError(`--chart draws both policies against the frontier: it needs --policy both, not ${flags.policy}`);
    // Checked before the simulation, which can take a minute, not after it.
    const timelineFolder = flags.timeline !== undefined && isFolder(flags.timeline);
    for (const [flag, file] of [['--chart', flags.chart], ['--timeline', timelineFolder ? undefined : flags.timeline]] as const) {
      if (file !== undefined) requireFileDestination(flag, file);
    }
    if (timelineFolder) requireFolderDestination('--timeline', flags.timeline!);
    if (flags.timelineRange !== undefined && flags.timeline === undefined) throw new ConfigError('--timeline-range says what the --timeline chart shows: give --timeline <file.svg> too');
    if (flags.timeline !== undefined && !timelineFolder && traces.length !== 1) throw new ConfigError(`--timeline ${flags.timeline} is one file, for one replay, and there are ${traces.length} traces: give a folder (a name ending in /) for a chart per trace`);
    const frontier = flags.frontier || flags.chart !== undefined ? { windowSeconds: flags.frontierWindow, coresPerReplica: Math.max(model.cpuLimitCores, config.cpu.maxCores) } : undefined;
    // Every trace is read before any is simulated: a bad file is reported at once, not after
    // minutes; and every bad file of a folder, not the first alone.
    const read: Trace[] = [];
    const unreadable: string[] = [];
    for (const source of traces) {
      try {
        if ('file' in source) requireExisting(source.flag, source.file, 'file', TRACE_LIMIT);
        const trace = 'file' in source ? await readTraceFile(source.file, { timeColumn: flags.timeColumn, valueColumn: flags.valueColumn, events: flags.events }) : syntheticTrace(source.shape, undefined, source.seed);
        // How the timestamps were read, where their size gave the unit, explains the span counted over.
        const timestampsRead = trace.timestampNote === undefined ? '' : `; ${trace.timestampNote}`;
        if ('file' in source && flags.events) process.stderr.write(`read ${trace.name} as a request log: ${trace.values.reduce((sum, count) => sum + count, 0)} requests, counted per second over ${trace.values.length} s${timestampsRead}\n`);
        read.push(flags.reverse ? reversedTrace(trace) : trace);
      } catch (error) {
        if (!(error instanceof TraceParseError || error instanceof ConfigError)) throw error;
        unreadable.push(error.message);
      }
    }
    if (unreadable.length > 0) throw new ConfigError(unreadable.join('\n'));
    const replayOptions: ReplayOptions = { maxReplayStepSeconds: flags.maxReplayStep, peakRps: flags.peakRps, gaps: flags.gaps };
    // Checked before the simulation: a range past a replay's end would draw less than was asked
    // for (or nothing), and say nothing of it.
    for (const trace of flags.timelineRange === undefined ? [] : read) {
      const seconds = replayedSeconds(trace, replayOptions);
      const { from, to } = flags.timelineRange!;
      if (to > seconds) throw new ConfigError(`--timeline-range ${from}:${to} ${from >= seconds ? 'lies outside' : 'ends past the end of'} the replay of ${trace.name}, which has ${seconds} simulated second${seconds === 1 ? '' : 's'}: give a range within 0:${seconds}`);
    }
    // No chart over a file the run reads, nor two charts in one file.
    const timelineFiles = flags.timeline === undefined ? [] : timelineFolder ? fileNamesFor(read.map((trace) => trace.name)).map((name) => join(flags.timeline!, `${name}.svg`)) : [flags.timeline];
    requireApart(
      [...(flags.chart === undefined ? [] : [{ flag: '--chart', path: flags.chart }]), ...timelineFiles.map((path) => ({ flag: '--timeline', path, inFolder: timelineFolder }))],
      [...files.map(({ file, flag }) => ({ path: file, what: flag === '--trace' ? 'the --trace file' : 'a trace --all reads' })), ...(flags.config === undefined ? [] : [{ path: flags.config, what: 'the --config file' }])],
    );
    // Created once everything else is known to be in order: a refused run leaves no folder behind.
    if (timelineFolder) makeFolder('--timeline', flags.timeline!);
    const lastReport = new Map<Trace, number>();
    const comparisons = await compareTraces(
      read,
      {
        model,
        config,
        replay: replayOptions,
        policies,
        hpaSyncSeconds: 15,
        bridge: flags.bridge,
        capacityError: flags.capacityError,
        frontier,
        decisions: flags.decisions,
        timeline: flags.timeline === undefined ? undefined : { range: flags.timelineRange },
      },
      { ...(flags.jobs === 'auto' ? { jobs: availableParallelism(), automatic: true } : { jobs: flags.jobs, automatic: false }), keepThisThreadFree: runsAsPidOne() },
      (event) => {
        if (event.kind === 'start') {
          process.stderr.write(`simulating ${read.length} trace${read.length === 1 ? '' : 's'} (${event.tasks} replays) on ${event.threads} thread${event.threads === 1 ? '' : 's'}\n`);
          return;
        }
        const { trace } = event;
        if (event.kind === 'done') {
          process.stderr.write(`simulated ${trace.name} (${trace.values.length} rows) in ${event.seconds.toFixed(1)} s\n`);
          return;
        }
        if (Date.now() - (lastReport.get(trace) ?? started) < 1000) return;
        lastReport.set(trace, Date.now());
        process.stderr.write(`  ${trace.name} ${event.task}: ${Math.round(event.fraction * 100)}%\n`);
      },
    );
    const modelLine = [
      `model: ${capacityPerReplica(model)} req/s per replica (${model.cpuLimitCores} cores / ${model.cpuSecondsPerRequest * 1000} ms per request, ${model.concurrency} concurrent), start-up ${model.startupSeconds} s${flags.dependencyMs > 0 ? `, ${flags.dependencyMs} ms on a dependency per request` : ''}, p95 objective ${model.sloP95Seconds * 1000} ms, replicas ${config.replicas.min}..${config.replicas.max}`,
      `hpa: CPU target ${Math.round(config.targets.cpuUtilisation * 100)}%, tolerance ${config.tolerance}, 15 s sync, Kubernetes default behaviour; adaptive: target ${Math.round(config.targets.adaptiveUtilisation * 100)}%, busy second with square-root headroom β ${config.targets.burstHeadroom}, ${flags.bridge ? `vertical bridge up to ${Math.max(model.cpuLimitCores, config.cpu.maxCores)} cores re-sized every ${Math.min(config.bridgeSeconds, config.evaluationSeconds)} s (busy second of ${config.windows.metricSeconds} s with headroom β ${config.targets.bridgeHeadroom}), replicas for demand held over ${config.windows.scaleDownStabilisationSeconds} s or beyond the bridge` : 'no vertical bridge'}`,
      `adaptive: latency feedback ${config.targets.latencyCorrectionFloor < 1 ? `on (capacity corrected down to ×${config.targets.latencyCorrectionFloor} at most)` : 'off'}${flags.capacityError !== 1 ? `; told ${flags.capacityError}× the capacity per replica the model has (${capacityPerReplica(model) * flags.capacityError} req/s)` : ''}`,
      'cost = replica-seconds in base-size replicas (a replica bridged to 2× the cores counts 2×); times are simulated seconds',
    ].join('\n');
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ model, config, comparisons }, null, 2)}\n`);
    } else {
      const sections = [formatFrontierLines(comparisons), formatDecisionLines(comparisons)].filter(Boolean);
      process.stdout.write(`${modelLine}\n\n${formatComparisonTable(comparisons)}\n${sections.map((section) => `\n${section}\n`).join('')}`);
    }
    const charts = [
      { flag: '--chart', file: flags.chart, what: 'the frontier chart', draw: () => frontierChart(comparisons) },
      ...timelineFiles.map((file, index) => ({ flag: '--timeline', file, what: `the timeline of ${comparisons[index]!.trace}`, draw: () => timelineChart(comparisons[index]!) })),
    ];
    for (const { flag, file, what, draw } of charts) {
      if (file === undefined) continue;
      try {
        await writeFile(file, draw());
      } catch (error) {
        process.stderr.write(`${flag}: cannot write ${file}: ${(error as Error).message}\n`);
        return ExitCode.failure;
      }
      process.stderr.write(`wrote ${what} to ${file}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof TraceParseError || error instanceof PolicyConfigError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return ExitCode.usage;
    }
    throw error;
  }
}

/** A path names a folder when it ends with a slash or is one already. */
function isFolder(path: string): boolean {
  return /[\\/]$/.test(path) || (existsSync(path) && statSync(path).isDirectory());
}

/**
 * A file name (without extension) for each trace: its name without `.csv`/`.txt`, anything but
 * letters, digits, dots and dashes as one underscore (`synthetic-noise (seed 7)` →
 * `synthetic-noise_seed_7`), and a count after a name already taken.
 */
export function fileNamesFor(traceNames: readonly string[]): string[] {
  const taken = new Map<string, number>();
  return traceNames.map((traceName) => {
    const base = traceName.replace(/\.(csv|txt)\b/gi, '').replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^_+|_+$/g, '') || 'trace';
    const seen = taken.get(base) ?? 0;
    taken.set(base, seen + 1);
    return seen === 0 ? base : `${base}-${seen + 1}`;
  });
}

/** `--timeline-range`: two whole numbers of simulated seconds, `from:to`, from before to. */
function secondsRangeFlag(value: string): SecondsRange {
  const match = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(value);
  const range = match ? { from: Number(match[1]), to: Number(match[2]) } : undefined;
  if (range === undefined || !(range.to > range.from)) throw new InvalidArgumentError(`--timeline-range must be from:to in whole simulated seconds, from before to (600:1800), got ${JSON.stringify(value)}`);
  return range;
}

/** `--jobs`: a whole number of threads, 1 or more, or "auto". */
function jobsFlag(value: string): number | 'auto' {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  return numberFlag('--jobs', (n) => Number.isInteger(n) && n >= 1, 'a whole number, 1 or more, or "auto"')(value);
}

/** `--seed`: whole numbers from 0 to 2³² − 1, comma-separated, each once; a --seed given again adds its seeds. */
function seedList(value: string, previous: number[] = []): number[] {
  const seeds = [...previous];
  for (const cell of value.split(',').map((c) => c.trim())) {
    const seed = Number(cell);
    if (cell === '' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InvalidArgumentError(`--seed must be whole numbers from 0 to 4294967295, comma-separated, got ${JSON.stringify(value)}`);
    if (!seeds.includes(seed)) seeds.push(seed);
  }
  return seeds;
}

/**
 * `--synthetic` given again adds its shapes to those before: the flag names a list, so a second one
 * means more shapes, not other ones (it replayed the last alone). One without shapes (all) is
 * true, and takes in whatever the others named.
 */
function shapeLists(value: string, previous: string[] | true | undefined): string[] | true {
  if (previous === undefined) return [value];
  return [...(previous === true ? ['all'] : previous), value];
}

/**
 * `--synthetic`: the shapes named, each once and in the order first named, as `--seed` takes each
 * seed once: `spike,spike` or `goal,step` would otherwise replay a shape twice, to the same figures.
 */
function syntheticList(values: readonly string[] | true | undefined): SyntheticShape[] {
  if (values === undefined) return [];
  const all: SyntheticShape[] = [...SYNTHETIC_SHAPES, ...HELD_OUT_SHAPES];
  const known = `known: ${all.join(', ')}, or goal, held-out, all`;
  const shapes = new Set<SyntheticShape>();
  for (const value of values === true ? ['all'] : values) {
    if (value.trim() === '') throw new ConfigError(`--synthetic: the value is empty; name shapes, comma-separated (${known}), or give --synthetic alone for all`);
    const names = value.split(',').map((n) => n.trim()).filter(Boolean);
    if (names.length === 0) throw new ConfigError(`--synthetic: no shape named in ${JSON.stringify(value)}; ${known}`);
    for (const name of names) {
      if (name === 'all') all.forEach((shape) => shapes.add(shape));
      else if (name === 'goal') SYNTHETIC_SHAPES.forEach((shape) => shapes.add(shape));
      else if (name === 'held-out') HELD_OUT_SHAPES.forEach((shape) => shapes.add(shape));
      else if ((all as string[]).includes(name)) shapes.add(name as SyntheticShape);
      else throw new ConfigError(`--synthetic: unknown shape ${JSON.stringify(name)}; ${known}`);
    }
  }
  return [...shapes];
}

/** A trace file to read, and the flag that named it (or the folder it is in): its errors name the flag. */
interface TraceFile {
  file: string;
  flag: '--trace' | '--all';
}

/**
 * The trace files the flags name. `--trace` is checked here, before anything else; the files of an
 * `--all` folder as they are read, so that every bad one is reported, not the first alone.
 */
async function traceFiles(flags: SimulateFlags): Promise<TraceFile[]> {
  if (flags.trace !== undefined && flags.all !== undefined) throw new ConfigError('give either --trace <csv> or --all [dir], not both');
  if (flags.trace !== undefined) {
    requireExisting('--trace', flags.trace, 'file', TRACE_LIMIT);
    return [{ file: flags.trace, flag: '--trace' }];
  }
  if (flags.all !== undefined) {
    const dir = flags.all === true ? DEFAULT_TRACE_DIR : flags.all;
    if (flags.all === true && !existsSync(dir)) throw new ConfigError(`--all: the default folder ${DEFAULT_TRACE_DIR} does not exist; give one: --all <dir>`);
    requireExisting('--all', dir, 'folder');
    const files = (await readdir(dir)).filter((name) => name.toLowerCase().endsWith('.csv')).sort();
    if (files.length === 0) throw new ConfigError(`--all: no .csv file in ${dir}`);
    return files.map((name) => ({ file: join(dir, name), flag: '--all' }));
  }
  throw new ConfigError('give a trace: --trace <csv>, or --all [dir] for every CSV in a folder');
}

/** The flags that take a list, a value at a time or comma-separated: given again, they add to it. */
const LIST_FLAGS: readonly string[] = ['--synthetic', '--seed'];

/** What to give instead of a flag given twice, where there is more to say than to give one value. */
const INSTEAD_OF_REPEATING: Readonly<Record<string, string>> = {
  '--trace': 'give one trace, or --all <dir> for every CSV of a folder',
  '--all': 'give one folder, or --all alone for the default one',
  '--policy': 'give one policy, or --policy both',
  '--timeline': 'give one file, or a folder (a name ending in /) for a chart per trace',
};

/**
 * Every flag of `command` that takes one value is given once: given twice, it is refused with exit
 * 2, naming both values, rather than the first dropped without a word (`--trace a --trace b`
 * replayed b alone, `--all a --all b` read b alone, `--peak-rps 200 --peak-rps 800` ran at 800);
 * the flags that take a list (`lists`) add to it instead. Checked as commander meets the flag,
 * before it takes the value: an argument parser cannot see it, as `--all` without a folder calls
 * none (`--all a --all` read the default folder), and a default is a value given before.
 */
function refusingRepeatedValues(command: Command, lists: readonly string[], instead: Readonly<Record<string, string>>): Command {
  for (const option of command.options) {
    const flag = option.long;
    if (flag === undefined || !(option.required || option.optional) || lists.includes(flag)) continue;
    /** The value the flag was given first, as written (null: given without one). */
    let first: string | null | undefined;
    // Commander's Command is an EventEmitter, which its typings leave out (they have `on` alone):
    // this listener goes before the one of commander's that takes the value.
    (command as unknown as EventEmitter).prependListener(`option:${option.name()}`, (value: string | null | undefined) => {
      if (command.getOptionValueSource(option.attributeName()) !== 'cli') {
        first = value;
        return;
      }
      const given = (written: string | null | undefined) => (written == null ? 'alone' : JSON.stringify(written));
      command.error(`error: ${flag} is given twice (${given(first)}, then ${given(value)}): ${instead[flag] ?? 'give one value'}`, { exitCode: ExitCode.usage, code: 'commander.invalidArgument' });
    });
  }
  return command;
}

/** A trace is read whole, as one string: a file over this is refused before it is read. */
const TRACE_LIMIT = { maxBytes: MAX_TRACE_BYTES, what: 'a trace' };

/** The replica ceiling without --max-replicas or --config: room for the busiest second of every shared trace. */
const DEFAULT_MAX_REPLICAS = 40;

/** The policy config fields the flags set, by the flag that sets them: their errors name the flag. */
const FLAG_OF_FIELD: Record<string, string> = { 'replicas.max': '--max-replicas', startupSeconds: '--startup-seconds', bridgeSeconds: '--bridge-seconds', 'targets.p95LatencyMs': '--slo-ms' };

/**
 * The policy config the replays run under: the --config file as the scaler would read it, with
 * room for 40 replicas where it sets no maximum (the scaler's default of 10 would cap every shared
 * trace), and the config's defaults for the rest; then each flag that sets a field of it, where
 * given on the command line.
 */
async function simulationConfig(flags: SimulateFlags): Promise<PolicyConfig> {
  const underlay = { replicas: { max: DEFAULT_MAX_REPLICAS } };
  const base = flags.config ? await loadPolicyConfigFile(flags.config, '--config', underlay) : parsePolicyConfig(underlay);
  try {
    return withFlags(base, flags);
  } catch (error) {
    // The file was valid on its own: what is wrong now comes from a flag.
    if (!(error instanceof PolicyConfigError)) throw error;
    throw new ConfigError(error.problems.map((p) => `${FLAG_OF_FIELD[p.field] ? `${FLAG_OF_FIELD[p.field]} (${p.field})` : p.field}: ${p.message}`).join('; '));
  }
}

function withFlags(base: PolicyConfig, flags: SimulateFlags): PolicyConfig {
  return parsePolicyConfig({
    ...base,
    replicas: { min: base.replicas.min, max: flags.maxReplicas ?? base.replicas.max },
    startupSeconds: flags.startupSeconds ?? base.startupSeconds,
    bridgeSeconds: flags.bridgeSeconds ?? base.bridgeSeconds,
    targets: { ...base.targets, p95LatencyMs: flags.sloMs ?? base.targets.p95LatencyMs, ...(flags.latencyFeedback ? {} : { latencyCorrectionFloor: 1 }) },
  });
}
