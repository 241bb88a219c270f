/**
 * How soon added capacity serves: the vertical bridge (a CPU limit raised on the running replica,
 * `docker update`) against scaling out (a new replica created, started and healthy), both through
 * the scaler's own DockerActuator on the app's image at its demo budget (0.1 CPU), measured
 * interleaved in the same run and printed as a ratio to the bridge. The replica under the bridge
 * is kept saturated by a closed-loop load, so its answers per second show when the new limit
 * serves; the new replica is probed until it answers a request.
 *
 * The simulator's model assumes both (a CPU limit applies at once, a replica serves after
 * `--startup-seconds`); this measures them on a real engine.
 *
 * usage: npm run bench:reaction -- [--repeat 3] [--base-cpus 0.1] [--bridge-cpus 0.3]
 * Needs a Docker engine; builds the app's and Redis's local images if missing.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { median } from 'simple-statistics';
import { interruptedExitCode, type InterruptSignal } from '../cli/exitCodes.js';
import { DockerActuator } from '../scaler/actuators/docker.js';
import { demoAppLabels } from '../demo/demoLabels.js';
import { connectDocker, ensureImage } from '../demo/demoImages.js';
import { DemoStack } from '../demo/demoStack.js';
import { msUntilSustainedRise, throughputBuckets } from './capacityServes.js';

const usage = 'usage: npm run bench:reaction -- [--repeat 3] [--base-cpus 0.1] [--bridge-cpus 0.3] [--app-image scalewright:local] [--redis-image scalewright/redis:local] [--docker-socket /var/run/docker.sock]\n';
const { values: flags } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    'base-cpus': { type: 'string', default: '0.1' },
    'bridge-cpus': { type: 'string', default: '0.3' },
    'app-image': { type: 'string', default: 'scalewright:local' },
    'redis-image': { type: 'string', default: 'scalewright/redis:local' },
    'docker-socket': { type: 'string', default: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const refuse = (text: string): never => {
  process.stderr.write(`${text}\n${usage}`);
  process.exit(2);
};
const repeat = Number(flags.repeat);
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) refuse(`--repeat must be a whole number from 1 to 20, not "${flags.repeat}"`);
const baseCpus = Number(flags['base-cpus']);
const bridgeCpus = Number(flags['bridge-cpus']);
if (!(baseCpus >= 0.05 && baseCpus <= 2)) refuse(`--base-cpus must be from 0.05 to 2 cores, not "${flags['base-cpus']}"`);
if (!(bridgeCpus >= 1.5 * baseCpus && bridgeCpus <= 4)) refuse(`--bridge-cpus must be at least 1.5 × --base-cpus (a rise the throughput shows) and at most 4, not "${flags['bridge-cpus']}"`);

const SERVICE = 'bench-reaction';
const BUCKET_MS = 250;
/** Time at the base limit before each change: the last 3 s of it are the baseline. */
const SETTLE_MS = 6_000;
const WARMUP_MS = 20_000;
/** How long after a limit change its throughput is read. */
const WATCH_MS = 5_000;
/** A new replica at 0.1 CPU starts Node in 10–20 s here; give up well after. */
const REPLICA_DEADLINE_MS = 120_000;
/** The bridge counts as serving once throughput holds at half the rise its limit allows. */
const riseFactor = 1 + (bridgeCpus / baseCpus - 1) / 2;
const say = (text: string) => process.stderr.write(`[bench:reaction] ${text}\n`);

interface Trial {
  callMs: number;
  servesMs: number | null;
}

async function firstAnswer(url: string, deadline: number): Promise<number | null> {
  while (performance.now() < deadline) {
    const answered = await fetch(url, { signal: AbortSignal.timeout(300) }).then((response) => response.ok, () => false);
    if (answered) return performance.now();
    await sleep(100);
  }
  return null;
}

async function main(): Promise<void> {
  const docker = await connectDocker(flags['docker-socket'], say);
  if (!docker) process.exit(1);
  for (const image of [flags['app-image'], flags['redis-image']]) await ensureImage(docker, image, say);
  const runId = `reaction-${randomBytes(3).toString('hex')}`;
  // No InfluxDB is needed: nothing here is measured through the collector.
  const stack = new DemoStack(docker, {
    runId,
    appImage: flags['app-image'],
    redisImage: flags['redis-image'],
    influxImage: 'unused',
    influxUrl: 'http://127.0.0.1:9',
    service: SERVICE,
    appLabels: demoAppLabels(SERVICE, 'adaptive', true),
    appCpus: baseCpus,
    appMemoryBytes: 100 * 2 ** 20,
  });
  const stop = (signal: InterruptSignal) => void stack.down().finally(() => process.exit(interruptedExitCode(signal)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const actuator = new DockerActuator({ docker, logger: pino({ level: 'silent' }), requireLabel: `scalewright.demo=${runId}`, drainSeconds: 2 });
  const answeredAt: number[] = [];
  let load: autocannon.Instance | undefined;
  try {
    say(`starting Redis and the app at ${baseCpus} CPU (${runId})`);
    await stack.up();
    const address = await stack.appAddress();
    const firstReady = await firstAnswer(`http://${address}:8080/healthz`, performance.now() + REPLICA_DEADLINE_MS);
    if (firstReady === null) throw new Error(`the app at ${address} did not answer within ${REPLICA_DEADLINE_MS / 1000} s`);
    // A closed loop: each connection sends its next request when the last is answered, so the
    // answers per second are what the replica's CPU limit lets it serve.
    load = autocannon({ url: `http://${address}:8080`, connections: 16, duration: 24 * 3600, timeout: 10, requests: [{ method: 'GET', path: '/?user=bench' }] }, () => undefined);
    load.on('response', (_client, statusCode) => {
      if (statusCode === 200) answeredAt.push(performance.now());
    });

    // Node answers several times faster once its code is compiled: a baseline read before that
    // would make any later rise look like the bridge's.
    say(`warming the app up under the load for ${WARMUP_MS / 1000} s`);
    await sleep(WARMUP_MS);
    const bridge: Trial[] = [];
    const replica: Trial[] = [];
    for (let round = 1; round <= repeat; round += 1) {
      // Alternate which goes first, so that what one leaves behind (a warmer cache, a busier engine) falls on each as often.
      const order = round % 2 === 1 ? (['bridge', 'replica'] as const) : (['replica', 'bridge'] as const);
      for (const kind of order) {
        await sleep(SETTLE_MS);
        if (kind === 'bridge') {
          const changedAt = performance.now();
          await actuator.setLimits(SERVICE, { cpuCores: bridgeCpus });
          const callMs = performance.now() - changedAt;
          await sleep(WATCH_MS);
          const from = changedAt - 3_000;
          const buckets = throughputBuckets(answeredAt, from, performance.now(), BUCKET_MS);
          const baseline = median(buckets.slice(0, 3_000 / BUCKET_MS));
          const servesMs = msUntilSustainedRise(buckets, { from, bucketMs: BUCKET_MS, changedAt }, baseline, riseFactor);
          bridge.push({ callMs, servesMs });
          say(`round ${round}/${repeat}, bridge ${baseCpus} → ${bridgeCpus} CPU: docker update returned in ${callMs.toFixed(0)} ms; ${baseline.toFixed(0)} answers/s before, ${servesMs === null ? `never ${riseFactor.toFixed(1)}× within ${WATCH_MS / 1000} s` : `held ${riseFactor.toFixed(1)}× that ${servesMs.toFixed(0)} ms after the call began`}`);
          await actuator.setLimits(SERVICE, { cpuCores: baseCpus });
        } else {
          const before = new Set((await actuator.observe(SERVICE)).members.map((member) => member.id));
          const changedAt = performance.now();
          const scaled = actuator.setReplicas(SERVICE, 2).then(() => performance.now());
          let servedAt: number | null = null;
          while (servedAt === null && performance.now() < changedAt + REPLICA_DEADLINE_MS) {
            const added = (await stack.appReplicas()).running.find((r) => !before.has(r.id));
            const info = added ? await docker.getContainer(added.id).inspect().catch(() => undefined) : undefined;
            const ip = info ? Object.values(info.NetworkSettings.Networks)[0]?.IPAddress : undefined;
            if (ip) servedAt = await firstAnswer(`http://${ip}:8080/?user=bench-probe`, changedAt + REPLICA_DEADLINE_MS);
            else await sleep(100);
          }
          const readyAt = await scaled;
          replica.push({ callMs: readyAt - changedAt, servesMs: servedAt === null ? null : servedAt - changedAt });
          say(`round ${round}/${repeat}, a second replica: ${servedAt === null ? 'never answered' : `first answer ${((servedAt - changedAt) / 1000).toFixed(1)} s`}, healthy by Docker's check ${((readyAt - changedAt) / 1000).toFixed(1)} s after the call began`);
          await actuator.setReplicas(SERVICE, 1);
        }
      }
    }
    process.stdout.write(resultTable(bridge, replica));
  } finally {
    load?.stop();
    const removed = await stack.down();
    say(`removed ${removed} containers`);
  }
}

function resultTable(bridge: readonly Trial[], replica: readonly Trial[]): string {
  const mid = (values: Array<number | null>): number | null => {
    const known = values.filter((v): v is number => v !== null);
    return known.length === values.length && known.length > 0 ? median(known) : null;
  };
  const seconds = (ms: number | null) => (ms === null ? 'not within the watch' : `${(ms / 1000).toFixed(2)} s`);
  const bridgeServes = mid(bridge.map((t) => t.servesMs));
  const replicaServes = mid(replica.map((t) => t.servesMs));
  // The bridge's figure cannot read under one bucket, so a ratio against it is a lower bound then.
  const bound = bridgeServes !== null && bridgeServes <= BUCKET_MS ? 'at least ' : '';
  const ratio = (ms: number | null) => (ms === null || bridgeServes === null || bridgeServes === 0 ? '–' : `${bound}${(ms / bridgeServes).toFixed(1)}x`);
  return [
    `new capacity on a real Docker engine, the app at ${baseCpus} CPU under a closed-loop load; median of ${repeat}`,
    '',
    `| capacity added | actuator call returned | serves (read in ${BUCKET_MS} ms buckets) | ratio to the bridge |`,
    '|---|---|---|---|',
    `| CPU limit ${baseCpus} → ${bridgeCpus} on the running replica (\`docker update\`) | ${seconds(mid(bridge.map((t) => t.callMs)))} | ${bridgeServes !== null && bridgeServes <= BUCKET_MS ? `within the first bucket, ${seconds(bridgeServes)}` : seconds(bridgeServes)} (answers/s held at ${riseFactor.toFixed(1)}× the level before) | 1.0x |`,
    `| a second replica (create, start, healthy by the image's check) | ${seconds(mid(replica.map((t) => t.callMs)))} | ${seconds(replicaServes)} (its first answer) | ${ratio(replicaServes)} |`,
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:reaction failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
