import { Command, Option } from 'commander';
import { createLogger } from '../common/logger.js';
import { envFlags } from '../common/env.js';
import { secretFilesHelp } from '../common/secretFiles.js';
import { loadCollectorConfig } from './config.js';
import { Label } from './labels.js';
import { startStoppableOnSignals } from '../cli/shutdown.js';
import { EXIT_CODES_HELP } from '../cli/exitCodes.js';

/** `scalewright collector`: watches labelled containers and writes what it sees to InfluxDB. */
export function collectorCommand(): Command {
  return new Command('collector')
    .description(`Every interval, read the cgroup (CPU, throttling, memory, OOM kills) and scrape /metrics of each container labelled ${Label.service}, and write the signals to InfluxDB`)
    .addOption(new Option('-i, --interval <ms>', 'collection interval in milliseconds').env('COLLECTOR_INTERVAL_MS').default('1000'))
    .addOption(new Option('-p, --port <port>', "port of the collector's own /metrics and /healthz").env('COLLECTOR_PORT').default('9105'))
    .addOption(new Option('--host <host>', 'address to bind /metrics to').env('COLLECTOR_HOST').default('0.0.0.0'))
    .addOption(new Option('--influx-url <url>', 'InfluxDB base URL (v1 HTTP API: /write, /query)').env('INFLUX_URL').default('http://127.0.0.1:8086'))
    .addOption(new Option('--influx-db <name>', 'database (InfluxDB 2.x/3: the bucket mapped to it)').env('INFLUX_DB').default('scalewright'))
    .addOption(new Option('--retention-policy <name>', 'retention policy points are written to').env('INFLUX_RETENTION_POLICY').default('raw'))
    .addOption(new Option('--retention <duration>', 'how long raw points are kept').env('INFLUX_RETENTION').default('7d'))
    .addOption(new Option('--docker-socket <path>', 'Docker Engine API socket').env('DOCKER_SOCKET').default('/var/run/docker.sock'))
    .addOption(new Option('--proc-root <dir>', "where the host's /proc is visible").env('COLLECTOR_PROC_ROOT').default('/proc'))
    .addOption(new Option('--cgroup-root <dir>', "where the host's cgroup hierarchies are mounted").env('COLLECTOR_CGROUP_ROOT').default('/sys/fs/cgroup'))
    .addOption(new Option('--network <name>', "Docker network whose address is used to reach containers' /metrics").env('COLLECTOR_NETWORK'))
    .addOption(new Option('--require-label <key[=value]>', 'watch only labelled containers that also carry this label').env('COLLECTOR_REQUIRE_LABEL'))
    .addOption(new Option('--buffer-points <n>', 'points kept while InfluxDB is unreachable (oldest dropped beyond)').env('COLLECTOR_BUFFER_POINTS').default('200000'))
    .addOption(new Option('--no-influx-setup', 'do not create the database, retention policies and continuous query (env COLLECTOR_INFLUX_SETUP=false)'))
    .addHelpText(
      'after',
      [
        '',
        'Authentication: INFLUX_USER + INFLUX_PASSWORD (InfluxDB 1.x) or INFLUX_TOKEN (2.x/3, sent as "Authorization: Token").',
        'More settings (scrape timeout, resync period, metric names, history retention) are environment variables: see the README.',
        `Labels: ${Label.service}=<name> (required), ${Label.metricsPort}, ${Label.metricsPath} (default /metrics), ${Label.managed}=true.`,
      ].join('\n'),
    )
    .addHelpText('after', secretFilesHelp(['INFLUX_PASSWORD', 'INFLUX_TOKEN']))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options: Record<string, string | boolean | undefined>, command: Command) => {
      const config = loadCollectorConfig({
        ...process.env,
        COLLECTOR_INTERVAL_MS: str(options.interval),
        COLLECTOR_PORT: str(options.port),
        COLLECTOR_HOST: str(options.host),
        INFLUX_URL: str(options.influxUrl),
        INFLUX_DB: str(options.influxDb),
        INFLUX_RETENTION_POLICY: str(options.retentionPolicy),
        INFLUX_RETENTION: str(options.retention),
        DOCKER_SOCKET: str(options.dockerSocket),
        COLLECTOR_PROC_ROOT: str(options.procRoot),
        COLLECTOR_CGROUP_ROOT: str(options.cgroupRoot),
        COLLECTOR_NETWORK: str(options.network),
        COLLECTOR_BUFFER_POINTS: str(options.bufferPoints),
        COLLECTOR_REQUIRE_LABEL: str(options.requireLabel),
        COLLECTOR_INFLUX_SETUP: options.influxSetup === false ? 'false' : process.env.COLLECTOR_INFLUX_SETUP,
      }, envFlags(command));
      const logger = createLogger('collector');
      const { startCollector } = await import('./runtime.js');
      // Signals are handled from the start: the schema setup may wait INFLUX_TIMEOUT_MS on a silent InfluxDB.
      const running = await startStoppableOnSignals(logger, 'flushing buffered points', (signal) => startCollector(config, logger, signal));
      if (running) logger.info({ metricsPort: running.port, influx: config.INFLUX_URL, database: config.INFLUX_DB }, 'collector ready');
    });
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : value === true ? 'true' : undefined;
}
