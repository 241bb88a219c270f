import { Command, Option } from 'commander';

export interface DemoFlags {
  short?: boolean;
  warmup?: string;
  ramp?: string;
  spike?: string;
  plateau?: string;
  cooldown?: string;
  baseRps?: string;
  peakRps?: string;
  spikeRps?: string;
  out: string;
  keep?: boolean;
  strict?: boolean;
  rebuild?: boolean;
  appImage: string;
  redisImage: string;
  influxImage: string;
  influxUrl?: string;
  dockerSocket: string;
}

/** `scalewright demo`: the whole loop on a real Docker engine, under load, with a report. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('Run the app at 100 mCPU / 100 MB under phased load with the collector and the scaler on Docker, then write the report')
    .option('--short', 'the short shape (about 2.5 minutes) instead of the full one (about 6)')
    .option('--warmup <s>', 'warm-up seconds')
    .option('--ramp <s>', 'ramp seconds')
    .option('--spike <s>', 'spike seconds')
    .option('--plateau <s>', 'plateau seconds')
    .option('--cooldown <s>', 'cool-down seconds')
    .option('--base-rps <n>', 'requests/s of the warm-up (the cool-down sends a quarter of it)')
    .option('--peak-rps <n>', 'requests/s at the top of the ramp and on the plateau')
    .option('--spike-rps <n>', 'requests/s during the spike')
    .addOption(new Option('-o, --out <dir>', 'folder for the report, the timeline and the logs').env('DEMO_OUT').default('demo-output'))
    .option('--keep', 'leave the containers running at the end (remove them with `docker rm -f $(docker ps -aq --filter label=scalewright.demo)`)')
    .option('--strict', 'exit 1 when a goal is missed')
    .option('--rebuild', 'rebuild the local images first')
    .addOption(new Option('--app-image <image>', 'image of the app').env('APP_IMAGE').default('scalewright:local'))
    .addOption(new Option('--redis-image <image>', 'image of Redis (e.g. redis:7.2-alpine with a registry)').env('REDIS_IMAGE').default('scalewright/redis:local'))
    .addOption(new Option('--influx-image <image>', 'image of InfluxDB 1.x started when no --influx-url is given (e.g. influxdb:1.8)').env('INFLUXDB_IMAGE').default('scalewright/influxdb:local'))
    .addOption(new Option('--influx-url <url>', 'use this InfluxDB instead of starting one').env('DEMO_INFLUX_URL'))
    .addOption(new Option('--docker-socket <path>', 'Docker Engine API socket').env('DOCKER_SOCKET').default('/var/run/docker.sock'))
    .addHelpText('after', '\nExit codes: 0 the demo ran (goals are reported), 1 no Docker engine or a failure (or a missed goal with --strict), 2 bad flags.')
    .action(async (flags: DemoFlags) => {
      // The runner (Docker, autocannon) is loaded only when a demo runs, not for every command.
      const { runDemo } = await import('./runDemo.js');
      process.exitCode = await runDemo(flags);
    });
}
