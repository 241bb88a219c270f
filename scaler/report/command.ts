import { rmSync } from 'node:fs';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { ConfigError, envFlags, readEnv } from '../../common/env.js';
import { secretFilesHelp } from '../../common/secretFiles.js';
import { makeFolder, removeMadeFolders } from '../../common/flagPaths.js';
import { influxConnectionFrom, influxEnvSchema } from '../../common/influx/index.js';
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
    .addHelpText('after', '\nInfluxDB authentication: INFLUX_USER + INFLUX_PASSWORD (1.x) or INFLUX_TOKEN (2.x/3).')
    .addHelpText('after', secretFilesHelp(['INFLUX_PASSWORD', 'INFLUX_TOKEN']))
    .addHelpText('after', `${EXIT_CODES_HELP}\nInterrupted (Ctrl-C: 130, SIGTERM: 143), it removes what it made, as a failed report does.`)
    .action(async (options: Record<string, string | undefined>, command: Command) => {
      // A value read from the environment is named by its variable too: the operator may not know it was set.
      const flag = (key: string, long: string) => {
        const variable = command.options.find((option) => option.long === long)?.envVar;
        return command.getOptionValueSource(key) === 'env' && variable ? `${long} (${variable})` : long;
      };
      const to = options.to ? parseTime(options.to, flag('to', '--to')) : Date.now();
      const last = options.from ? undefined : parseDuration(options.last ?? '1h', flag('last', '--last'));
      const from = options.from ? parseTime(options.from, flag('from', '--from')) : to - (last as number);
      if (!options.from) influxTime(from, flag('last', '--last'), `${options.last ?? '1h'} before the end of the range`);
      if (!(from < to)) throw new ConfigError(`${flag('from', '--from')} must be before ${options.to ? flag('to', '--to') : 'the end of the range (now)'}: ${new Date(from).toISOString()} is not before ${new Date(to).toISOString()}`);
      // Where the files go, and how InfluxDB is reached, are checked (and the folder made) before InfluxDB is asked anything.
      const env = readEnv(influxEnvSchema, { ...process.env, INFLUX_URL: options.influxUrl, INFLUX_DB: options.influxDb, INFLUX_RETENTION_POLICY: options.retentionPolicy }, envFlags(command));
      const name = options.name === undefined ? `scaler-report-${new Date(to).toISOString().replace(/[:.]/g, '-')}` : reportName(options.name, flag('name', '--name'));
      const out = options.out ?? 'reports';
      const madeFolders = makeFolder(flag('out', '--out'), out);
      const writtenFiles: string[] = [];
      // Interrupted (Ctrl-C, SIGTERM) while it waits for InfluxDB or writes: it leaves nothing it made either, and exits 130 / 143.
      const removeWhatItMade = () => {
        for (const file of writtenFiles) rmSync(file, { force: true });
        removeMadeFolders(madeFolders);
      };
      await undoneIfInterrupted('report', removeWhatItMade, async () => {
        try {
          const { buildReport, writeReport } = await import('./build.js');
          const services = (options.service ?? '').split(',').map((s) => s.trim()).filter(Boolean);
          // InfluxDB refusing or not answering within INFLUX_TIMEOUT_MS throws InfluxUnreachableError: one line naming it, exit 1 (cli/failure.ts).
          // A database, retention policy or named service InfluxDB does not have is a ConfigError naming the flag: exit 2.
          const report = await buildReport(influxConnectionFrom(env), {
            services,
            from,
            to,
            flags: { database: flag('influxDb', '--influx-db'), retentionPolicy: flag('retentionPolicy', '--retention-policy'), service: flag('service', '--service') },
          });
          const files = await writeReport(report, out, name, writtenFiles);
          if (report.services.length === 0) process.stdout.write('no service has written service_stats to this database: the report has no section\n');
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

export function parseDuration(text: string, flag = '--last'): number {
  const parsed = durationSchema.safeParse(text.trim());
  if (!parsed.success) throw new ConfigError(`${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'}, got ${JSON.stringify(text)}`);
  const [, amount, unit] = /^(\d+)(s|m|h|d)$/.exec(parsed.data) as RegExpExecArray;
  const ms = Number(amount) * ({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const)[unit as 's' | 'm' | 'h' | 'd'];
  // 0s would be an empty range, refused later as "--from must be before --to": a flag the operator never gave.
  if (!(ms > 0)) throw new ConfigError(`${flag}: the range must last more than 0 s, got ${JSON.stringify(text)}`);
  return ms;
}

/**
 * `--from` / `--to`: epoch ms (digits, a leading minus for before 1970), or an ISO 8601 date or
 * date-time: `2026-11-23`, `2026-11-23T18:00`, `2026-11-23 18:00:00.5Z`, `2026-11-23T18:00:00+01:00`.
 * Without a zone it is UTC, the zone the report shows times in. Date.parse was used before and
 * took almost anything: `-5` became 2001-05-01, `hello 2020` 2020-01-01, `2026-02-30` March 2,
 * `12/03/2026` local time: a report of another range than the one meant, without a word.
 */
export function parseTime(text: string, flag: string): number {
  // Digits of any length: too many for InfluxDB is said as such, by the range check below.
  const value = /^-?\d+$/.test(text) ? Number(text) : isoTime(text);
  if (value === undefined) throw new ConfigError(`${flag}: not a time: ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)} (ISO 8601 such as 2026-11-23T18:00:00Z, UTC when no zone is given, or epoch ms)`);
  return influxTime(value, flag, text);
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Epoch ms of an ISO 8601 date or date-time whose every part is in range (no 30 February, no hour 24), else undefined. */
function isoTime(text: string): number | undefined {
  const match = ISO_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(2000, mo, 0)).getUTCDate() || h > 23 || mi > 59 || s > 59) return undefined;
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const utc = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3))));
  utc.setUTCFullYear(y);
  if (utc.getUTCMonth() !== mo - 1) return undefined; // 29 February of a year that has none
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const [, sign, zh, zm = '0'] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) as RegExpExecArray;
    if (Number(zh) > 23 || Number(zm) > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  }
  return utc.getTime() - offsetMinutes * 60_000;
}

/** The times InfluxDB holds (nanoseconds in 64 bits): 1677-09-21 to 2262-04-11, in epoch ms. */
const INFLUX_TIMES_MS = { min: -9_223_372_036_854, max: 9_223_372_036_854 } as const;

/** A time in epoch ms, if InfluxDB can hold it; otherwise a ConfigError naming the flag. */
function influxTime(value: number, flag: string, text: string): number {
  if (value < INFLUX_TIMES_MS.min || value > INFLUX_TIMES_MS.max) {
    throw new ConfigError(`${flag}: ${text.length > 40 ? `${text.slice(0, 40)}…` : text} is outside the times InfluxDB holds (${new Date(INFLUX_TIMES_MS.min).toISOString()} to ${new Date(INFLUX_TIMES_MS.max).toISOString()})`);
  }
  return value;
}

/**
 * `--name`: a plain file name, the `.html` and `.json` added to it: no folder in it (a slash
 * would write elsewhere than --out), not empty, not hidden (a leading dot), no control
 * character, and short enough for the file system with its extension.
 */
export function reportName(text: string, flag = '--name'): string {
  if (text === '' || /[\/\\\u0000-\u001f\u007f]/.test(text) || text.startsWith('.') || Buffer.byteLength(text) > 250) {
    throw new ConfigError(`${flag}: a plain file name is needed (not empty, no "/" or "\\", not starting with ".", at most 250 bytes), got ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`);
  }
  return text;
}
