import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import type { Logger } from '../../common/logger.js';
import { ensureInfluxSchema, ensureInfluxSchemaInBackground, influxConnectionFrom, InfluxGiveUp, influxRetentionFrom, InfluxWriter } from '../../common/influx/index.js';
import { listen } from '../../common/listen.js';
import type { Actuator } from '../actuators/actuator.js';
import { DockerActuator } from '../actuators/docker.js';
import { withRequestDeadlines } from '../actuators/dockerDeadlines.js';
import { SwarmActuator } from '../actuators/swarm.js';
import { loadPolicyConfigFile } from '../config/loadPolicyConfig.js';
import { defaultCommandTimeoutMs, LocalLease, RedisLease, type Lease } from '../lease/redisLease.js';
import type { ScalerConfig } from './config.js';
import { ScalerLoop, unknownServicesText, type TickReport } from './controller.js';
import { actionTag } from './records.js';
import { influxPredecessorRecords, influxWindowReader } from './influxWindow.js';
import { scalerMetrics } from './metrics.js';

export interface RunningScaler {
  readonly loop: ScalerLoop;
  readonly lease: Lease;
  /** Port of /metrics and /healthz (0 when not served). */
  readonly port: number;
  /** With `SCALER_ONCE`: why the one pass could not evaluate (the command then exits 1); undefined when it could. */
  readonly onceFailure?: string | undefined;
  /** With `SCALER_ONCE`: the pass was interrupted (`signal`) after it had started; what it got to is in the log. */
  readonly interrupted?: boolean;
  /**
   * Long-running: resolves if the scaler found, after its start, a setting the database
   * contradicts (a `--retention-policy` it does not have, seen once InfluxDB answered): logged once;
   * the command then stops the scaler and exits 2, as it would have at the start. A typo does not heal.
   */
  readonly refused?: Promise<Error>;
  stop(): Promise<void>;
}

/** Outcomes of a service that was not evaluated because a dependency (platform, InfluxDB) failed. */
const NOT_EVALUATED: ReadonlySet<string> = new Set<TickReport['outcome']>(['observe_failed', 'influx_unreachable', 'failed']);

/**
 * Whether a `--once` pass failed: no lease (another instance holds it, or Redis is unreachable:
 * then `leaseProblem` says how),
 * the platform could not list the managed services, or not one service could be evaluated
 * (platform, InfluxDB unreachable, or an unexpected error, for every service). No managed service
 * at all, missing or stale data, or some services evaluated, are not failures.
 */
export function onceFailure(
  skipped: ScalerLoop['lastTickSkipped'],
  reports: readonly { readonly service: string; readonly outcome: string; readonly error?: string }[],
  why: {
    readonly lease?: string | undefined;
    readonly platform?: string | undefined;
    readonly influxGaveUpOn?: string | undefined;
    /** Services named with `--service` that the platform has no managed object for, and those it has. */
    readonly unknownServices?: { readonly services: readonly string[]; readonly managed: readonly string[] } | undefined;
  } = {},
): string | undefined {
  if (skipped === 'no_lease') return why.lease ? `the lease is not held: ${why.lease}` : 'the lease is not held (another instance holds it, or Redis is unreachable)';
  if (skipped === 'platform_unreachable') return `cannot list managed services from the platform${why.platform ? `: ${why.platform}` : ''}`;
  // A name the platform does not manage is most likely a typo: said as one, not as a service without data.
  if (why.unknownServices) return unknownServicesText(why.unknownServices.services, why.unknownServices.managed);
  if (reports.length > 0 && reports.every((report) => NOT_EVALUATED.has(report.outcome))) {
    // Services failing on one dependency fail alike: its line once, not once per service. After an
    // InfluxDB request went unanswered, every read the run then gave up on names itself and that
    // request: the request, once, says it for all of them (each service's own is in its warning).
    const gaveUpOn = why.influxGaveUpOn;
    const each = [...new Set(reports.flatMap((report) => (report.error ? [report.error] : [])))];
    const errors = gaveUpOn === undefined || !each.some((error) => error.includes(gaveUpOn)) ? each : [gaveUpOn, ...each.filter((error) => !error.includes(gaveUpOn))];
    return `no service could be evaluated (${reports.map((report) => `${report.service}: ${report.outcome}`).join(', ')})${errors.length ? `: ${errors.join('; ')}` : ''}`;
  }
  return undefined;
}

/**
 * Whether a `--once` pass that could evaluate had an action fail: `the action on web (scale_out)
 * failed: no running replica to copy`, one per service, or undefined. `failureOf` says how the
 * action a report started ended (`ScalerLoop.actionFailure`, read after `settle`).
 */
export function onceActionFailure(reports: readonly TickReport[], failureOf: (service: string) => string | undefined): string | undefined {
  const failed = reports.flatMap((report) => {
    const error = report.outcome === 'applied' ? failureOf(report.service) : undefined;
    if (error === undefined) return [];
    const action = report.evaluation ? ` (${actionTag(report.evaluation.decision)})` : '';
    // The platform's errors often start with the service already: said once.
    const why = error.startsWith(`${report.service}: `) ? error.slice(report.service.length + 2) : error;
    return [`the action on ${report.service}${action} failed: ${why}`];
  });
  return failed.length > 0 ? failed.join('; ') : undefined;
}

/** The services of a `--once` pass as its summary gives them: an action that was started and failed is `failed`, with its error. */
function endedReports(reports: readonly TickReport[], failureOf: (service: string) => string | undefined): { service: string; outcome: string; error?: string }[] {
  return reports.map((report) => {
    const error = report.outcome === 'applied' ? failureOf(report.service) : undefined;
    return error !== undefined ? { service: report.service, outcome: 'failed', error } : { service: report.service, outcome: report.outcome };
  });
}

/** Builds the actuator for the configured platform. */
export async function actuatorFor(config: ScalerConfig, logger: Logger): Promise<Actuator> {
  if (config.SCALER_PLATFORM === 'kubernetes') {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const { KubernetesActuator } = await import('../actuators/kubernetes.js');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault(); // KUBECONFIG, ~/.kube/config, or the in-cluster service account
    return new KubernetesActuator({ kubeConfig, namespace: config.K8S_NAMESPACE, selector: config.K8S_SELECTOR, logger, requestTimeoutMs: config.SCALER_PLATFORM_TIMEOUT_SECONDS * 1000 });
  }
  // Every request has a deadline (a stop's is longer by the drain). Without one, an engine that took
  // a request and never answered held the tick for good, every service's with it, and a SIGTERM
  // waited on it; a request past it fails naming the engine, the request and the setting.
  const docker = withRequestDeadlines(new Docker({ socketPath: config.DOCKER_SOCKET }), {
    dependency: `Docker engine at ${config.DOCKER_SOCKET}`,
    platformTimeoutMs: config.SCALER_PLATFORM_TIMEOUT_SECONDS * 1000,
    drainMs: config.SCALER_DRAIN_SECONDS * 1000,
  });
  const requireLabel = config.SCALER_REQUIRE_LABEL;
  if (config.SCALER_PLATFORM === 'swarm') return new SwarmActuator({ docker, logger, ...(requireLabel ? { requireLabel } : {}) });
  return new DockerActuator({
    docker,
    logger,
    ...(requireLabel ? { requireLabel } : {}),
    drainSeconds: config.SCALER_DRAIN_SECONDS,
    healthTimeoutMs: config.SCALER_HEALTH_TIMEOUT_SECONDS * 1000,
  });
}

/**
 * Starts the scaler: lease, loop, InfluxDB writer and the /metrics + /healthz endpoint. With
 * `SCALER_ONCE` it runs a single tick, waits for the actions it started, stops, and says in
 * `onceFailure` whether that pass could not evaluate. `signal` (a SIGTERM while the long-running
 * scaler starts) cuts the schema setup short; what was started is stopped again (no tick runs, the
 * lease is handed back) and the start rejects with the signal's reason. With `SCALER_ONCE`,
 * `signal` aborted during the pass stops it as the loop stops: its InfluxDB reads are cut short and
 * decide nothing, no action starts after it, the actions already started are waited for (a
 * `docker update` is never left halfway), the lease goes back, and it resolves `interrupted`.
 */
export async function startScaler(config: ScalerConfig, logger: Logger, actuatorOverride?: Actuator, signal?: AbortSignal): Promise<RunningScaler> {
  // Read and validated before anything starts: a bad file is a ConfigError (exit code 2) at once.
  const fileConfig = config.SCALER_POLICY_FILE ? await loadPolicyConfigFile(config.SCALER_POLICY_FILE, '--config (SCALER_POLICY_FILE)') : undefined;
  // A single pass gives up on InfluxDB at its first timeout: it asks one thing after another (the
  // schema, each service's records and window, its writes), and an InfluxDB that let one request
  // go unanswered would make it wait as long again for each. The loop keeps asking, tick after tick.
  const giveUp = config.SCALER_ONCE ? new InfluxGiveUp() : undefined;
  const connection = { ...influxConnectionFrom(config), ...(giveUp ? { giveUp } : {}) };
  const metrics = scalerMetrics();
  let lease: Lease | undefined;

  // Listening first: a busy port stops the start before anything runs (no lease taken, nothing
  // left running), and /healthz answers while the schema setup waits on a slow InfluxDB.
  let server: Server | undefined;
  let port = 0;
  if (!config.SCALER_ONCE) {
    server = createServer((req, res) => {
      if (req.url === '/metrics') {
        void metrics.registry.metrics().then((text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text));
      } else if (req.url === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true, lease: lease?.status() ?? 'starting', dryRun: config.SCALER_DRY_RUN }));
      } else {
        res.writeHead(404).end();
      }
    });
    await listen(server, config.SCALER_PORT, config.SCALER_HOST);
    port = (server.address() as AddressInfo).port;
  }
  const closeServer = () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

  // One bounded attempt (INFLUX_TIMEOUT_MS per request); a long-running scaler retries it in the
  // background while InfluxDB does not answer, a single pass does not.
  const retention = influxRetentionFrom(config);
  // The collector owns the schema: the scaler sets it up only where nobody has (a fresh install),
  // and otherwise refuses a retention policy the database does not have (exit 2) instead of
  // creating it and making it the default under everyone's queries.
  const ownership = { onlyWhenNew: true, retentionPolicyFlag: '--retention-policy' } as const;
  let schema: { stop(): void } | undefined;
  let refuse: (error: Error) => void = () => undefined;
  const refused = new Promise<Error>((resolve) => (refuse = resolve));
  if (config.SCALER_ONCE) {
    await ensureInfluxSchema(connection, retention, logger, signal, ownership);
    // Interrupted meanwhile: nothing was started yet (no lease, no writer).
    if (signal?.aborted) throw signal.reason;
    // Its first request went unanswered: the pass would read nothing either. One line naming InfluxDB, exit 1 (cli/failure.ts).
    if (giveUp?.reason) throw giveUp.reason;
  } else {
    try {
      schema = await ensureInfluxSchemaInBackground(connection, retention, logger, {
        ...ownership,
        ...(signal ? { signal } : {}),
        onConfigError: (error) => {
          logger.error({ error: error.message }, `${error.message}: stopping (exit 2)`);
          refuse(error);
        },
      });
    } catch (error) {
      await closeServer();
      throw error;
    }
  }
  let actuator: Actuator;
  try {
    // Stopped while the setup waited: nothing else is started.
    if (signal?.aborted) throw signal.reason;
    actuator = actuatorOverride ?? (await actuatorFor(config, logger));
  } catch (error) {
    schema?.stop();
    await closeServer();
    throw error;
  }
  const writer = new InfluxWriter(connection, { logger, flushIntervalMs: 1000 }).start();

  let redis: Redis | undefined;
  if (config.REDIS_URL) {
    // The lease keeps each command's deadline itself (a third of the TTL, the renewal period), so
    // that one past it says so naming Redis and the command: a Redis that takes a command and never
    // answers held the first acquire (the start), and each check before an action, for good.
    // ioredis's own timeout, a second behind the lease's, is only a backstop: without one, each
    // command a silent Redis never answers stays in the client's queue for as long as it is silent.
    // `disconnectTimeout`: at the end, ioredis waits that long for its socket's close before it
    // destroys it, and a socket whose connection was refused had closed already: the default 2 s
    // were a wait after the last line, for nothing. The lease was handed back before it.
    redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false, commandTimeout: defaultCommandTimeoutMs(config.SCALER_LEASE_TTL_MS) + 1_000, disconnectTimeout: 100 });
    redis.on('error', () => undefined); // reported by the lease, once per state change
    lease = new RedisLease({ redis, logger, key: config.SCALER_LEASE_KEY, ttlMs: config.SCALER_LEASE_TTL_MS });
    await lease.tick();
    lease.start();
  } else {
    logger.warn('no REDIS_URL: running without a lease; do not start a second scaler instance');
    lease = new LocalLease();
  }
  const heldLease = lease;

  const services = config.SCALER_SERVICES.split(',').map((s) => s.trim()).filter(Boolean);
  const loop = new ScalerLoop({
    actuator,
    readWindow: influxWindowReader(connection),
    readPredecessorRecords: influxPredecessorRecords(connection),
    write: (points) => writer.write(points),
    lease,
    logger,
    metrics,
    ...(fileConfig ? { fileConfig } : {}),
    dryRun: config.SCALER_DRY_RUN,
    staleAfterMs: config.SCALER_STALE_AFTER_SECONDS * 1000,
    parallelServices: config.SCALER_PARALLEL_SERVICES,
    services,
  });

  const stop = async () => {
    schema?.stop();
    await loop.stop();
    await heldLease.stop();
    // Given up on InfluxDB (a timeout during the pass): what is left unsent stays so, at once.
    await writer.close(giveUp?.reason ? 0 : 3000);
    redis?.disconnect();
    await closeServer();
  };

  // Stopped while the lease was taken: the loop never starts, the lease goes back.
  if (signal?.aborted) {
    await stop();
    throw signal.reason;
  }

  logger.info(
    { platform: actuator.kind, dryRun: config.SCALER_DRY_RUN, once: config.SCALER_ONCE, intervalSeconds: config.SCALER_INTERVAL_SECONDS, services: services.length ? services : 'all managed', lease: lease.status(), port },
    config.SCALER_DRY_RUN ? 'scaler started in dry-run: deciding and reporting, applying nothing' : 'scaler started',
  );
  if (!config.SCALER_ONCE) {
    loop.start(config.SCALER_INTERVAL_SECONDS * 1000);
    return { loop, lease, port, stop, refused };
  }
  // An interrupt stops the pass the way a stop ends the loop's tick in flight (`ScalerLoop.stop`).
  const interrupt = () => void loop.stop();
  signal?.addEventListener('abort', interrupt, { once: true });
  const reports = await loop.tick();
  await loop.settle();
  signal?.removeEventListener('abort', interrupt);
  await stop();
  if (signal?.aborted) {
    const applied = reports.filter((report) => report.outcome === 'applied').map((report) => report.service);
    logger.info(
      { services: reports.map((report) => ({ service: report.service, outcome: report.outcome })), applied },
      `scaler --once: interrupted: ${applied.length > 0 ? `the action(s) already started ended (${applied.join(', ')}); ` : 'no action started; '}the rest was not decided, the lease is handed back`,
    );
    return { loop, lease, port, stop, interrupted: true };
  }
  const failureOf = (service: string) => loop.actionFailure(service);
  const summary = endedReports(reports, failureOf);
  const failure = onceFailure(loop.lastTickSkipped, reports, { lease: heldLease.problem(), platform: loop.lastTickProblem, influxGaveUpOn: giveUp?.reason?.message, unknownServices: loop.lastTickUnknown });
  if (failure) {
    logger.error({ reason: failure, services: summary }, `scaler --once: the pass could not evaluate: ${failure}`);
    return { loop, lease, port, stop, onceFailure: failure };
  }
  // Evaluated, and an action it started failed: the pass did not do what it decided (exit 1).
  const actionFailed = onceActionFailure(reports, failureOf);
  if (actionFailed) {
    logger.error({ reason: actionFailed, services: summary }, `scaler --once: ${actionFailed}`);
    return { loop, lease, port, stop, onceFailure: actionFailed };
  }
  logger.info({ services: summary }, 'scaler --once: pass done');
  return { loop, lease, port, stop };
}
