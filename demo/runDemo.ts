import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { ExitCode } from '../cli/exitCodes.js';
import { freePort } from '../common/freePort.js';
import { POLICY_LABELS } from '../scaler/simulator/timelineChart.js';
import type { DemoFlags } from './command.js';
import { comparisonChart } from './comparisonChart.js';
import { decisionTicker } from './decisionTicker.js';
import { DEMO_APP_CPUS, demoAppLabels, type DemoPolicy } from './demoLabels.js';
import { demoOutcome, type DemoOutcome, type SecondSample } from './demoOutcome.js';
import { connectDocker, ensureImages, stackImages } from './demoImages.js';
import { DemoProcesses } from './demoProcesses.js';
import { DemoInterrupt } from './demoInterrupt.js';
import { DemoStack, type ServiceReplica, type ServingReplica } from './demoStack.js';
import { runLeftoverCommands } from './leftBehind.js';
import { FrontProxy, proxyUpstreams } from './frontProxy.js';
import { driveOneSecond } from './loadDriver.js';
import { FULL_SHAPE, phasePlan, rateAt, SHORT_SHAPE, totalSeconds, type LoadShape, type Phase } from './phasePlan.js';
import { comparisonTable, policyComparison, type PolicyComparison } from './policyComparison.js';
import { pairOrder, repeatedComparison, repeatedTable } from './repeatedComparison.js';

const SERVICE = 'demo-app';
const MiB = 1024 * 1024;
const SETTLE_SECONDS = 15;

function shapeFrom(flags: DemoFlags): LoadShape {
  const base = flags.short ? SHORT_SHAPE : FULL_SHAPE;
  const num = (value: string | undefined, fallback: number, name: string) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a number ≥ 0, not ${JSON.stringify(value)}`);
    return parsed;
  };
  return {
    warmupSeconds: num(flags.warmup, base.warmupSeconds, 'warmup'),
    rampSeconds: num(flags.ramp, base.rampSeconds, 'ramp'),
    spikeSeconds: num(flags.spike, base.spikeSeconds, 'spike'),
    plateauSeconds: num(flags.plateau, base.plateauSeconds, 'plateau'),
    cooldownSeconds: num(flags.cooldown, base.cooldownSeconds, 'cooldown'),
    baseRps: num(flags.baseRps, base.baseRps, 'base-rps'),
    peakRps: num(flags.peakRps, base.peakRps, 'peak-rps'),
    spikeRps: num(flags.spikeRps, base.spikeRps, 'spike-rps'),
  };
}

const say = (line: string) => process.stdout.write(`${line}\n`);

interface DemoRun {
  policy: DemoPolicy;
  samples: SecondSample[];
  outcome: DemoOutcome;
}

export async function runDemo(flags: DemoFlags): Promise<number> {
  let shape: LoadShape;
  let repeat: number;
  try {
    shape = shapeFrom(flags);
    repeat = repeatFrom(flags);
  } catch (error) {
    say(`demo: ${(error as Error).message}`);
    return ExitCode.usage;
  }
  const plan = phasePlan(shape);
  // From here on an interrupt removes what was made so far, image builds in progress included.
  const interrupt = new DemoInterrupt('demo');
  return interrupt.run(() => runDemoRuns(flags, shape, plan, repeat, interrupt));
}

async function runDemoRuns(flags: DemoFlags, shape: LoadShape, plan: Phase[], repeat: number, interrupt: DemoInterrupt): Promise<number> {
  const docker = await connectDocker(flags.dockerSocket, say);
  if (!docker) return ExitCode.failure;
  const out = resolve(flags.out);
  await mkdir(out, { recursive: true });
  const images = ensureImages(docker, flags, say, interrupt.signal);
  // Interrupted, a build is stopped and waited for: its script removes its staging folder.
  const imagesDone = interrupt.track({ byHand: [], undo: () => images.then(() => undefined, () => undefined) });
  await images;
  await imagesDone();

  const runs: DemoRun[] = [];
  // Each run gets a fresh stack, so none inherits another's warm replicas or data.
  const runInto = async (policy: DemoPolicy, folder: string) => {
    await mkdir(folder, { recursive: true });
    const run = await runOnce(docker, flags, shape, plan, policy, folder, interrupt);
    if (run) runs.push(run);
    return run;
  };
  if (flags.policy !== 'both') {
    if (!(await runInto(flags.policy, out))) return ExitCode.failure;
  } else {
    const comparisons: PolicyComparison[] = [];
    for (let pair = 0; pair < repeat; pair++) {
      const pairOut = repeat > 1 ? join(out, `pair-${pair + 1}`) : out;
      const pairRuns = new Map<DemoPolicy, DemoRun>();
      for (const policy of pairOrder(pair)) {
        const run = await runInto(policy, join(pairOut, policy));
        if (!run) return ExitCode.failure;
        pairRuns.set(policy, run);
      }
      const [hpa, adaptive] = [pairRuns.get('hpa') as DemoRun, pairRuns.get('adaptive') as DemoRun];
      const comparison = policyComparison(hpa.samples, adaptive.samples);
      comparisons.push(comparison);
      await writeFile(join(pairOut, 'comparison.json'), `${JSON.stringify({ shape, plan, ...comparison }, null, 2)}\n`);
      await writeFile(join(pairOut, 'comparison.svg'), comparisonChart(comparison, [hpa, adaptive]));
      say('');
      say(`The same load under each policy${repeat > 1 ? ` (pair ${pair + 1} of ${repeat})` : ''}: HPA rule in ${join(pairOut, 'hpa')}, adaptive policy in ${join(pairOut, 'adaptive')}`);
      for (const line of comparisonTable(comparison)) say(`  ${line}`);
      say(`comparison: ${join(pairOut, 'comparison.json')}, chart: ${join(pairOut, 'comparison.svg')}`);
    }
    if (repeat > 1) {
      await writeFile(join(out, 'repeated-comparison.json'), `${JSON.stringify({ shape, plan, ...repeatedComparison(comparisons), comparisons }, null, 2)}\n`);
      say('');
      for (const line of repeatedTable(comparisons)) say(line);
      say(`all pairs: ${join(out, 'repeated-comparison.json')}`);
    }
  }
  // The goals are the product's: with both, --strict judges the adaptive runs (the HPA rule is the reference).
  const judged = flags.policy === 'both' ? runs.filter((run) => run.policy === 'adaptive') : runs;
  return flags.strict && judged.some((run) => run.outcome.goals.some((goal) => !goal.met)) ? ExitCode.failure : ExitCode.ok;
}

function repeatFrom(flags: DemoFlags): number {
  const repeat = Number(flags.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a whole number ≥ 1, not ${JSON.stringify(flags.repeat)}`);
  if (repeat > 1 && flags.policy !== 'both') throw new Error('--repeat repeats the comparison: it needs --policy both');
  return repeat;
}

/** One run of the demo on a fresh stack: up, load, report, down. Undefined when it failed (said why). */
async function runOnce(docker: Docker, flags: DemoFlags, shape: LoadShape, plan: Phase[], policy: DemoPolicy, out: string, interrupt: DemoInterrupt): Promise<DemoRun | undefined> {
  const runId = randomBytes(3).toString('hex');
  say(`demo ${runId}: ${POLICY_LABELS[policy]}; ${plan.map((p) => `${p.name} ${p.seconds}s@${p.fromRps === p.toRps ? p.toRps : `${p.fromRps}→${p.toRps}`}rps`).join(', ')} (${totalSeconds(plan)} s of load)`);
  const stack = new DemoStack(docker, {
    runId,
    ...stackImages(flags),
    service: SERVICE,
    appCpus: DEMO_APP_CPUS,
    appMemoryBytes: 100 * MiB,
    appLabels: demoAppLabels(SERVICE, policy, flags.short ?? false),
  });
  let parts: DemoProcesses | undefined;
  const proxy = new FrontProxy();
  let refresher: NodeJS.Timeout | undefined;
  // Once only: a signal's teardown and the one in `finally` (the run goes on failing meanwhile) share it.
  let tornDown: Promise<void> | undefined;
  const teardown = () =>
    (tornDown ??= (async () => {
      if (refresher) clearInterval(refresher);
      await parts?.stopAll();
      await proxy.close().catch(() => undefined);
      if (!flags.keep) {
        const removed = await stack.down();
        say(`demo: removed ${removed} container(s) and network ${stack.network}`);
      } else {
        say(`demo: left running (label scalewright.demo=${runId})`);
      }
    })());
  // Interrupted: the run's steps stop (they watch `interrupt.signal`), then it is torn down and the
  // process exits 130 (SIGINT) or 143 (SIGTERM). The teardown waits for the step in flight, so that
  // no container is created after it has listed them.
  let stepsEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (stepsEnded = resolve));
  const undo = interrupt.track({ byHand: runLeftoverCommands({ runId, network: stack.network }), undo: () => ended.then(teardown) });
  const stopParts = () => void parts?.stopAll();
  interrupt.signal.addEventListener('abort', stopParts, { once: true });
  const { signal } = interrupt;

  try {
    const { influxUrl } = await stack.up(signal);
    say(`demo: InfluxDB ${flags.influxUrl ? `at ${influxUrl}` : `started for this run at ${influxUrl} (${flags.influxImage}), removed at the end`}`);
    parts = new DemoProcesses(out, { ...process.env, INFLUX_URL: influxUrl, LOG_LEVEL: flags.logLevel });
    parts.start('collector', ['collector', '--interval', '1000', '--network', stack.network, '--require-label', `scalewright.demo=${runId}`, '--port', String(await freePort())]);
    say(`demo: collector started (log in ${out})`);

    let serving: ServingReplica[] = [];
    let reachable: ServingReplica[] = [];
    let running: ServiceReplica[] = [];
    const refresh = async () => {
      ({ serving, reachable, running } = await stack.appReplicas().catch(() => ({ serving, reachable, running })));
      proxy.setUpstreams(proxyUpstreams({ serving, reachable }));
    };
    const deadline = Date.now() + 120_000;
    while (serving.length === 0 && Date.now() < deadline) {
      await refresh();
      await sleep(500, undefined, { signal });
    }
    if (serving.length === 0) throw new Error('the app never became healthy (see docker logs of the demo containers)');
    refresher = setInterval(() => void refresh(), 500);
    // Node starting inside 0.1 CPU burns its whole budget for several seconds; an operator
    // switches the scaler on for a service that has settled, not for its boot.
    say(`demo: app healthy; letting it settle ${SETTLE_SECONDS} s before the scaler starts`);
    await sleep(SETTLE_SECONDS * 1000, undefined, { signal });
    signal.throwIfAborted();
    parts.start('scaler', ['scaler', '--interval', '2', '--stale-after', '10', '--drain', '5', '--health-timeout', '60', '--require-label', `scalewright.demo=${runId}`, '--port', String(await freePort())]);
    say(`demo: scaler started (log in ${out})`);
    const proxyPort = await proxy.listen();
    const url = `http://127.0.0.1:${proxyPort}`;
    say(`demo: app serving behind the front proxy at ${url}; load starts`);

    const lastDecision = decisionTicker(influxUrl, [SERVICE]);
    const samples: SecondSample[] = [];
    const startedAt = new Date();
    for (let second = 0; ; second++) {
      signal.throwIfAborted();
      const target = rateAt(plan, second);
      if (!target) break;
      const load = await driveOneSecond(url, target.rps);
      const cpu = serving[0]?.cpuLimitCores ?? 0;
      const memory = serving[0]?.memoryLimitBytes ?? 0;
      const sample: SecondSample = {
        second,
        phase: target.phase.name,
        targetRps: target.rps,
        ...load,
        servingReplicas: serving.length,
        cpuLimitCores: cpu,
        runningReplicas: running.length,
        runningCpuCores: running.reduce((sum, replica) => sum + replica.cpuLimitCores, 0),
      };
      samples.push(sample);
      const decision = await lastDecision();
      say(
        `[${String(second).padStart(3)}s] ${target.phase.name.padEnd(9)} ${String(load.ok + load.failed).padStart(4)} rps (target ${String(target.rps).padStart(3)})` +
          ` | p95 ${load.p95Ms === null ? '   -' : `${Math.round(load.p95Ms)}`.padStart(4)} ms | errors ${String(load.failed).padStart(3)}` +
          ` | ${SERVICE}: ${serving.length} × ${cpu.toFixed(2)} cpu / ${Math.round(memory / MiB)} MiB` +
          (decision ? ` | scaler: ${decision}` : ''),
      );
    }
    const endedAt = new Date();
    const outcome = demoOutcome(samples);
    await writeFile(join(out, 'timeline.json'), JSON.stringify({ runId, shape, plan, startedAt, endedAt, samples, outcome }, null, 2));

    signal.throwIfAborted();
    say('demo: writing the report');
    const reportCode = await parts.run('report', ['report', '--service', SERVICE, '--from', startedAt.toISOString(), '--to', endedAt.toISOString(), '--out', out, '--name', 'demo-report']);

    say('');
    say(summaryParagraph(outcome, shape));
    for (const goal of outcome.goals) say(`  ${goal.met ? 'met   ' : 'MISSED'} ${goal.name}: ${goal.detail}`);
    say(`report: ${reportCode === 0 ? join(out, 'demo-report.html') : `not written (exit ${reportCode}, see ${join(out, 'report.log')})`}; timeline: ${join(out, 'timeline.json')}`);
    return { policy, samples, outcome };
  } catch (error) {
    // Interrupted, the steps fail as what they waited on goes away: that is not the run's failure.
    if (!signal.aborted) say(`demo: failed: ${(error as Error).message}`);
    return undefined;
  } finally {
    interrupt.signal.removeEventListener('abort', stopParts);
    stepsEnded();
    await undo();
  }
}

function summaryParagraph(outcome: ReturnType<typeof demoOutcome>, shape: LoadShape): string {
  const capacity =
    outcome.secondsToNewCapacity !== null
      ? `new capacity was serving ${outcome.secondsToNewCapacity} s after the spike began`
      : outcome.spikeServedInPlace
        ? `the capacity the scaler had already added carried it (worst p95 ${Math.round(outcome.worstSpikeP95Ms)} ms)`
        : 'no new capacity arrived during the spike';
  return (
    `Summary: the app started as one replica at 100 mCPU / 100 MB. Under a spike of ${shape.spikeRps} requests/s ${capacity}; ` +
    `the service peaked at ${outcome.peakReplicas} replica(s) and ended the cool-down at ${outcome.finalReplicas}. ` +
    `${outcome.failed} of ${outcome.requests} requests failed (${outcome.failedPercent.toFixed(2)}%). The report shows each decision and its reason.`
  );
}
