import { Command, Option } from 'commander';
import { influxUrlArgument } from '../common/influx/config.js';
import type { DemoPolicy } from './demoLabels.js';

/** Flags every demo shares: where its output goes, which images, which Docker and InfluxDB. */
export interface StackFlags {
  out: string;
  keep?: boolean;
  strict?: boolean;
  rebuild?: boolean;
  appImage: string;
  redisImage: string;
  influxImage: string;
  influxUrl?: string;
  dockerSocket: string;
  logLevel: string;
}

export interface DemoFlags extends StackFlags {
  policy: DemoPolicy | 'both';
  repeat: string;
  short?: boolean;
  warmup?: string;
  ramp?: string;
  spike?: string;
  plateau?: string;
  cooldown?: string;
  baseRps?: string;
  peakRps?: string;
  spikeRps?: string;
}

export interface LargeFileDemoFlags extends StackFlags {
  short?: boolean;
  size?: string;
  maxWorkers: string;
  cooldown?: string;
}

const EXIT_CODES = '\nExit codes: 0 the demo ran (goals are reported), 1 no Docker engine or a failure (or a missed goal with --strict), 2 bad flags.';

function withStackOptions(command: Command, label: string): Command {
  return command
    .option('--keep', `leave the containers running at the end (remove them with \`docker rm -f $(docker ps -aq --filter label=${label})\`)`)
    .option('--strict', 'exit 1 when a goal is missed')
    .option('--rebuild', 'rebuild the local images first')
    .addOption(new Option('--app-image <image>', 'image of the app and the workers').env('APP_IMAGE').default('scalewright:local'))
    .addOption(new Option('--redis-image <image>', 'image of Redis (e.g. redis:7.2-alpine with a registry)').env('REDIS_IMAGE').default('scalewright/redis:local'))
    .addOption(new Option('--influx-image <image>', 'image of InfluxDB 1.x started when no --influx-url is given (e.g. influxdb:1.8)').env('INFLUXDB_IMAGE').default('scalewright/influxdb:local'))
    .addOption(new Option('--influx-url <url>', 'use this InfluxDB instead of starting one').env('DEMO_INFLUX_URL').argParser(influxUrlArgument('--influx-url (DEMO_INFLUX_URL)')))
    .addOption(new Option('--docker-socket <path>', 'Docker Engine API socket').env('DOCKER_SOCKET').default('/var/run/docker.sock'))
    // The report reads InfluxDB, not these logs, so any level leaves it whole; debug shows why the scaler held.
    .addOption(
      new Option('--log-level <level>', "level of the collector's and the scaler's logs in the output folder (debug adds every evaluation's hold and its reason)")
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .env('DEMO_LOG_LEVEL')
        .default('info'),
    )
    .addHelpText('after', EXIT_CODES);
}

/** `scalewright demo`: the whole loop on a real Docker engine, under load, with a report. */
export function demoCommand(): Command {
  const command = new Command('demo')
    .description('Run the app at 100 mCPU / 100 MB under phased load with the collector and the scaler on Docker, then write the report')
    .addOption(
      new Option('--policy <name>', 'the scaling policy: adaptive, hpa (replicas only at a fixed CPU limit, as a Kubernetes HPA scales), or both: the same load once under each, then a comparison (a table, comparison.json and comparison.svg)')
        .choices(['adaptive', 'hpa', 'both'])
        .env('DEMO_POLICY')
        .default('adaptive'),
    )
    .addOption(new Option('--repeat <n>', 'with --policy both: run the pair n times, each policy first in turn, and give the ratios\' median and range').env('DEMO_REPEAT').default('1'))
    .option('--short', 'the short shape (about 2.5 minutes) instead of the full one (about 6)')
    .option('--warmup <s>', 'warm-up seconds')
    .option('--ramp <s>', 'ramp seconds')
    .option('--spike <s>', 'spike seconds')
    .option('--plateau <s>', 'plateau seconds')
    .option('--cooldown <s>', 'cool-down seconds')
    .option('--base-rps <n>', 'requests/s of the warm-up (the cool-down sends a quarter of it)')
    .option('--peak-rps <n>', 'requests/s at the top of the ramp and on the plateau')
    .option('--spike-rps <n>', 'requests/s during the spike')
    .addOption(new Option('-o, --out <dir>', 'folder for the report, the timeline and the logs').env('DEMO_OUT').default('demo-output'));
  return withStackOptions(command, 'scalewright.demo').action(async (flags: DemoFlags) => {
    // The runner (Docker, autocannon) is loaded only when a demo runs, not for every command.
    const { runDemo } = await import('./runDemo.js');
    process.exitCode = await runDemo(flags);
  });
}

/** `scalewright demo-large-file`: the seed's large-file lesson, with and without the scaler. */
export function largeFileDemoCommand(): Command {
  const command = new Command('demo-large-file')
    .description(
      'Send a multi-GB text file through the API to word-count workers limited to 100 mCPU / 100 MB, once without the scaler and once with it (it adds workers by queue depth and raises CPU), then write a report comparing the two',
    )
    .option('--short', 'a 512 MiB file and a 60 s cool-down (about 6 minutes in all) instead of 2 GiB and 90 s (about 15)')
    .option('--size <bytes>', 'size of the generated file, e.g. 2GiB, 600MB (default 2GiB; 512MiB with --short)')
    .addOption(new Option('--max-workers <n>', 'most workers the scaler may run').default('4'))
    .option('--cooldown <s>', 'seconds to watch the workers scale back in after the scaled run (default 90; 60 with --short)')
    .addOption(new Option('-o, --out <dir>', 'folder for the generated file, the report, the timeline and the logs').env('DEMO_OUT').default('demo-output'));
  return withStackOptions(command, 'scalewright.demo').action(async (flags: LargeFileDemoFlags) => {
    const { runLargeFileDemo } = await import('./largeFile/runLargeFileDemo.js');
    process.exitCode = await runLargeFileDemo(flags);
  });
}
