import { rmSync } from 'node:fs';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { ConfigError } from '../../common/env.js';
import { makeFolder, removeMadeFolders } from '../../common/flagPaths.js';
import { influxConnectionFrom, readInfluxEnv } from '../../common/influx/index.js';
import { EXIT_CODES_HELP } from '../../cli/exitCodes.js';
import { undoneIfInterrupted } from '../../cli/interrupt.js';

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
    .addHelpText('after', `${EXIT_CODES_HELP}\nInterrupted (Ctrl-C: 130, SIGTERM: 143), it removes what it made, as a failed report does.`)
    .action(async (options: Record<string, string | undefined>) => {
      const to = options.to ? parseTime(options.to, '--to') : Date.now();
      const from = options.from ? parseTime(options.from, '--from') : to - parseDuration(options.last ?? '1h');
      if (!(from < to)) throw new ConfigError('--from must be before --to');
      if (!options.from) influxTime(from, '--last', `${options.last ?? '1h'} before the end of the range`);
      // Where the files go is checked, and the folder made, before InfluxDB is asked anything.
      const name = options.name === undefined ? `scaler-report-${new Date(to).toISOString().replace(/[:.]/g, '-')}` : reportName(options.name);
      const out = options.out ?? 'reports';
      const madeFolders = makeFolder('--out', out);
      const writtenFiles: string[] = [];
      // Interrupted (Ctrl-C, SIGTERM) while it waits for InfluxDB or writes: it leaves nothing it made either, and exits 130 / 143.
      const removeWhatItMade = () => {
        for (const file of writtenFiles) rmSync(file, { force: true });
        removeMadeFolders(madeFolders);
      };
      await undoneIfInterrupted('report', removeWhatItMade, async () => {
        try {
          const env = readInfluxEnv({ ...process.env, INFLUX_URL: options.influxUrl, INFLUX_DB: options.influxDb, INFLUX_RETENTION_POLICY: options.retentionPolicy });
          const { buildReport, writeReport } = await import('./build.js');
          const services = (options.service ?? '').split(',').map((s) => s.trim()).filter(Boolean);
          // InfluxDB refusing or not answering within INFLUX_TIMEOUT_MS throws InfluxUnreachableError: one line naming it, exit 1 (cli/failure.ts).
          const report = await buildReport(influxConnectionFrom(env), { services, from, to });
          const files = await writeReport(report, out, name, writtenFiles);
          for (const service of report.services) process.stdout.write(`${service.service}: ${service.summary.headline}\n`);
          process.stdout.write(`${files.html}\n${files.json}\n`);
        } catch (error) {
          // A failed report leaves nothing behind: not even the folders made for it (those that were there stay).
          removeWhatItMade();
          throw error;
        }
      });
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
  return influxTime(value, flag, text);
}

/** The times InfluxDB holds (nanoseconds in 64 bits): 1677-09-21 to 2262-04-11, in epoch ms. */
const INFLUX_TIMES_MS = { min: -9_223_372_036_854, max: 9_223_372_036_854 } as const;

/** A time in epoch ms, if InfluxDB can hold it; otherwise a ConfigError naming the flag. */
function influxTime(value: number, flag: string, text: string): number {
  if (value < INFLUX_TIMES_MS.min || value > INFLUX_TIMES_MS.max) {
    throw new ConfigError(`${flag}: ${text} is outside the times InfluxDB holds (${new Date(INFLUX_TIMES_MS.min).toISOString()} to ${new Date(INFLUX_TIMES_MS.max).toISOString()})`);
  }
  return value;
}

/**
 * `--name`: a plain file name, the `.html` and `.json` added to it: no folder in it (a slash
 * would write elsewhere than --out), not empty, not hidden (a leading dot), no control
 * character, and short enough for the file system with its extension.
 */
export function reportName(text: string): string {
  if (text === '' || /[\/\\\u0000-\u001f\u007f]/.test(text) || text.startsWith('.') || Buffer.byteLength(text) > 250) {
    throw new ConfigError(`--name: a plain file name is needed (not empty, no "/" or "\\", not starting with ".", at most 250 bytes), got ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`);
  }
  return text;
}
