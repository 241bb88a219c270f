import { Command, Option } from 'commander';
import { createLogger } from '../common/logger.js';
import { envFlags } from '../common/env.js';
import { secretFilesHelp } from '../common/secretFiles.js';
import { loadScalerConfig } from './loop/config.js';
import { startStoppableOnSignals } from '../cli/shutdown.js';
import { ExitCode } from '../cli/exitCodes.js';
import { finishedIfInterrupted } from '../cli/interrupt.js';

/** `scalewright scaler`: the live loop (decide from InfluxDB, apply through Docker/Swarm/Kubernetes). */
export function scalerCommand(): Command {
  return new Command('scaler')
    .description('Every interval, per managed service: read the recent window from InfluxDB, decide (signals, policies) and apply through the platform, or only report with --dry-run')
    .addOption(new Option('--dry-run', 'decide and log/record every would-be action with its reason, apply nothing (env: SCALER_DRY_RUN=true|false)'))
    .addOption(new Option('-i, --interval <seconds>', 'seconds between two evaluations').env('SCALER_INTERVAL_SECONDS').default('5'))
    .addOption(new Option('--once', 'run one evaluation, wait for its actions, exit; SIGINT/SIGTERM cuts its reads short, waits for the actions already started, exits 130/143 (env: SCALER_ONCE=true|false)'))
    .addOption(new Option('--platform <name>', 'where services run').choices(['docker', 'swarm', 'kubernetes']).env('SCALER_PLATFORM').default('docker'))
    .addOption(new Option('-c, --config <file>', 'policy config file (YAML or JSON), the default for every service; container labels override it').env('SCALER_POLICY_FILE'))
    .addOption(new Option('-s, --service <names>', 'comma-separated services to manage (default: every managed one)').env('SCALER_SERVICES'))
    .addOption(new Option('--require-label <key[=value]>', 'act only on managed containers/services that also carry this label').env('SCALER_REQUIRE_LABEL'))
    .addOption(new Option('--stale-after <seconds>', 'newest sample older than this: no action, a warning').env('SCALER_STALE_AFTER_SECONDS').default('15'))
    .addOption(new Option('--parallel <services>', 'services read and decided at once in a tick or a bridge pass (1-64)').env('SCALER_PARALLEL_SERVICES').default('8'))
    .addOption(new Option('--drain <seconds>', 'Docker: time between SIGTERM and SIGKILL when a replica is removed').env('SCALER_DRAIN_SECONDS').default('30'))
    .addOption(new Option('--health-timeout <seconds>', 'Docker: how long a new replica may take to become healthy').env('SCALER_HEALTH_TIMEOUT_SECONDS').default('60'))
    .addOption(new Option('--platform-timeout <seconds>', 'a request to the platform (Docker, Swarm, Kubernetes) not answered within this is given up, its error naming the request (a Docker stop: this plus --drain)').env('SCALER_PLATFORM_TIMEOUT_SECONDS').default('30'))
    .addOption(new Option('-p, --port <port>', "port of the scaler's own /metrics and /healthz").env('SCALER_PORT').default('9106'))
    .addOption(new Option('--host <host>', 'address to bind /metrics to').env('SCALER_HOST').default('0.0.0.0'))
    .addOption(new Option('--redis-url <url>', 'Redis for the lease that keeps a second instance from acting (unset: no lease)').env('REDIS_URL'))
    .addOption(new Option('--lease-key <key>', 'Redis key of the lease').env('SCALER_LEASE_KEY').default('scalewright:scaler:lease'))
    .addOption(new Option('--lease-ttl <ms>', 'lease time-to-live; renewed every third of it').env('SCALER_LEASE_TTL_MS').default('15000'))
    .addOption(new Option('--influx-url <url>', 'InfluxDB base URL (v1 HTTP API: /query, /write)').env('INFLUX_URL').default('http://127.0.0.1:8086'))
    .addOption(new Option('--influx-db <name>', 'database (InfluxDB 2.x/3: the bucket mapped to it)').env('INFLUX_DB').default('scalewright'))
    .addOption(new Option('--retention-policy <name>', 'retention policy read from and written to').env('INFLUX_RETENTION_POLICY').default('raw'))
    .addOption(new Option('--docker-socket <path>', 'Docker Engine API socket (docker, swarm)').env('DOCKER_SOCKET').default('/var/run/docker.sock'))
    .addOption(new Option('--namespace <ns>', 'Kubernetes namespace').env('K8S_NAMESPACE').default('default'))
    .addOption(new Option('--selector <labels>', 'Kubernetes label selector of the Deployments to manage').env('K8S_SELECTOR').default('scalewright.managed=true'))
    .addHelpText(
      'after',
      [
        '',
        'Managed = labelled scalewright.service=<name> and scalewright.managed=true (containers; Swarm service labels; Deployment labels).',
        'Policy labels (scalewright.min-replicas, scalewright.target.cpu, ...) override the --config file per service.',
        'Docker, adaptive policy: between evaluations the start-up bridge alone (the CPU limit of the ready replicas) is',
        're-sized every bridgeSeconds (policy config, default 1; label scalewright.bridge-seconds).',
        'Kubernetes credentials: KUBECONFIG, ~/.kube/config, or the in-cluster service account.',
        'InfluxDB authentication: INFLUX_USER + INFLUX_PASSWORD (1.x) or INFLUX_TOKEN (2.x/3).',
        'Without data, with stale data or with InfluxDB unreachable the scaler takes no action, warns once and counts it',
        'in scalewright_scaler_data_problems_total on /metrics.',
      ].join('\n'),
    )
    .addHelpText('after', secretFilesHelp(['INFLUX_PASSWORD', 'INFLUX_TOKEN', 'REDIS_URL']))
    .addHelpText('after', '\nExit codes: 0 ok, 1 a failure (a port in use; with --once, a pass that could not evaluate: no lease, the platform unreachable, a --service the platform does not manage, or no service evaluated; or an action that failed), 2 bad flags or configuration, a --retention-policy the database does not have included; with --once, 130 (SIGINT) or 143 (SIGTERM) when interrupted.')
    .action(async (options: Record<string, string | boolean | undefined>, command: Command) => {
      const config = loadScalerConfig({
        ...process.env,
        SCALER_DRY_RUN: flag(options.dryRun, process.env.SCALER_DRY_RUN),
        SCALER_ONCE: flag(options.once, process.env.SCALER_ONCE),
        SCALER_INTERVAL_SECONDS: str(options.interval),
        SCALER_PLATFORM: str(options.platform),
        SCALER_POLICY_FILE: str(options.config),
        SCALER_SERVICES: str(options.service),
        SCALER_REQUIRE_LABEL: str(options.requireLabel),
        SCALER_STALE_AFTER_SECONDS: str(options.staleAfter),
        SCALER_PARALLEL_SERVICES: str(options.parallel),
        SCALER_DRAIN_SECONDS: str(options.drain),
        SCALER_HEALTH_TIMEOUT_SECONDS: str(options.healthTimeout),
        SCALER_PLATFORM_TIMEOUT_SECONDS: str(options.platformTimeout),
        SCALER_PORT: str(options.port),
        SCALER_HOST: str(options.host),
        REDIS_URL: str(options.redisUrl),
        SCALER_LEASE_KEY: str(options.leaseKey),
        SCALER_LEASE_TTL_MS: str(options.leaseTtl),
        INFLUX_URL: str(options.influxUrl),
        INFLUX_DB: str(options.influxDb),
        INFLUX_RETENTION_POLICY: str(options.retentionPolicy),
        DOCKER_SOCKET: str(options.dockerSocket),
        K8S_NAMESPACE: str(options.namespace),
        K8S_SELECTOR: str(options.selector),
      }, envFlags(command));
      const logger = createLogger('scaler');
      const { startScaler } = await import('./loop/runtime.js');
      if (config.SCALER_ONCE) {
        // A short command, like `report`: interrupted, it exits 130/143, but only once what it had
        // started is finished or handed back (`startScaler`), never with a docker update halfway.
        const running = await finishedIfInterrupted(logger, 'scaler --once', (signal) => startScaler(config, logger, undefined, signal), 120_000);
        // The pass could not evaluate (no lease, platform or InfluxDB unreachable): logged, exit 1.
        if (running.onceFailure) process.exitCode = ExitCode.failure;
        return;
      }
      // Signals are handled from the start: the schema setup may wait INFLUX_TIMEOUT_MS on a silent InfluxDB.
      const running = await startStoppableOnSignals(logger, 'waiting for actions in flight, handing the lease back', (signal) => startScaler(config, logger, undefined, signal), 120_000);
      // A setting the database contradicts, found once InfluxDB answered (logged): stopped, exit 2.
      void running?.refused?.then(async () => {
        await running.stop();
        process.exitCode = ExitCode.usage;
      });
    });
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A boolean flag given on the command line wins; otherwise the env var is parsed as true/false (not "set = on"). */
function flag(value: string | boolean | undefined, fallback: string | undefined): string | undefined {
  return value === true ? 'true' : fallback;
}
