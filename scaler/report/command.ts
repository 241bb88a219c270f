import { Command, Option } from 'commander';
import { z } from 'zod';
import { ConfigError } from '../../common/env.js';
import { influxConnectionFrom, readInfluxEnv } from '../../common/influx/index.js';

/** `scalewright report`: an HTML + JSON account of what the scaler did, from InfluxDB history. */
export function reportCommand(): Command {
  return new Command('report')
    .description('Write a self-contained HTML report (and its JSON) of signals, targets, replicas, limits and the scaler\'s decisions with their reasons, from InfluxDB history')
    .addOption(new Option('-s, --service <names>', 'comma-separated services (default: every service in service_stats)').env('REPORT_SERVICES'))
    .addOption(new Option('--last <duration>', 'range ending now, e.g. 30m, 2h, 1d (ignored with --from)').env('REPORT_LAST').default('1h'))
    .addOption(new Option('--from <time>', 'start of the range (ISO 8601, or epoch ms)').env('REPORT_FROM'))
    .addOption(new Option('--to <time>', 'end of the range (ISO 8601, or epoch ms; default now)').env('REPORT_TO'))
    .addOption(new Option('-o, --out <dir>', 'folder the files are written to').env('REPORT_OUT').default('reports'))
    .addOption(new Option('--name <name>', 'file name without extension (default: scaler-report-<end time>)').env('REPORT_NAME'))
    .addOption(new Option('--influx-url <url>', 'InfluxDB base URL (v1 HTTP API: /query)').env('INFLUX_URL').default('http://127.0.0.1:8086'))
    .addOption(new Option('--influx-db <name>', 'database').env('INFLUX_DB').default('scalewright'))
    .addOption(new Option('--retention-policy <name>', 'retention policy to read (history: the downsampled one)').env('INFLUX_RETENTION_POLICY').default('raw'))
    .addHelpText('after', '\nThe HTML has no scripts and no external resources: open it from a file. The JSON holds the same series, decisions and summary.')
    .action(async (options: Record<string, string | undefined>) => {
      const to = options.to ? parseTime(options.to, '--to') : Date.now();
      const from = options.from ? parseTime(options.from, '--from') : to - parseDuration(options.last ?? '1h');
      if (!(from < to)) throw new ConfigError('--from must be before --to');
      const env = readInfluxEnv({ ...process.env, INFLUX_URL: options.influxUrl, INFLUX_DB: options.influxDb, INFLUX_RETENTION_POLICY: options.retentionPolicy });
      const { buildReport, writeReport } = await import('./build.js');
      const services = (options.service ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const report = await buildReport(influxConnectionFrom(env), { services, from, to });
      const name = options.name ?? `scaler-report-${new Date(to).toISOString().replace(/[:.]/g, '-')}`;
      const files = await writeReport(report, options.out ?? 'reports', name);
      for (const service of report.services) process.stdout.write(`${service.service}: ${service.summary.headline}\n`);
      process.stdout.write(`${files.html}\n${files.json}\n`);
    });
}

const durationSchema = z.string().regex(/^(\d+)(s|m|h|d)$/, 'a duration such as 90s, 30m, 2h or 1d');

export function parseDuration(text: string): number {
  const parsed = durationSchema.safeParse(text.trim());
  if (!parsed.success) throw new ConfigError(`--last: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const [, amount, unit] = /^(\d+)(s|m|h|d)$/.exec(parsed.data) as RegExpExecArray;
  return Number(amount) * ({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const)[unit as 's' | 'm' | 'h' | 'd'];
}

export function parseTime(text: string, flag: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value)) throw new ConfigError(`${flag}: not a time: ${text} (ISO 8601 or epoch ms)`);
  return value;
}
