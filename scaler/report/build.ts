import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../common/env.js';
import { influxQuery, InfluxQueryError, listServices, Measurement, missingRetentionPolicyError, quoteIdentifier, seriesRows, ServiceStatsField, Tag, type InfluxConnection } from '../../common/influx/index.js';
import { readServiceHistory, readStoredForm } from './history.js';
import { renderReportHtml } from './html.js';
import { summarise, type Report } from './model.js';

/** How the command names what the operator gave (`--influx-db`, or `--influx-db (INFLUX_DB)` when set from the environment). */
export interface ReportFlags {
  readonly database: string;
  readonly retentionPolicy: string;
  readonly service: string;
}

const DEFAULT_FLAGS: ReportFlags = { database: '--influx-db', retentionPolicy: '--retention-policy', service: '--service' };

/**
 * Reads the history of each service (all that wrote `service_stats` when none are named) and
 * summarises it. A database or retention policy InfluxDB does not have, or a named service it has
 * never heard of, is a ConfigError naming the flag (a typo, not an empty report), checked before
 * anything is read.
 */
export async function buildReport(connection: InfluxConnection, options: { services?: readonly string[]; from: number; to: number; now?: number; flags?: ReportFlags }): Promise<Report> {
  const flags = options.flags ?? DEFAULT_FLAGS;
  await requireReadable(connection, flags);
  if (options.services?.length) await requireKnownServices(connection, options.services, flags);
  const services = options.services?.length ? [...new Set(options.services)] : await listServices(connection);
  const generatedAt = options.now ?? Date.now();
  const stored = await readStoredForm(connection, generatedAt);
  const reports = [];
  for (const service of services.sort()) {
    const history = await readServiceHistory(connection, service, options.from, options.to, stored);
    reports.push({ ...history, summary: summarise(history, options.from, options.to) });
  }
  return {
    title: services.length === 1 ? `Scaler report: ${services[0]}` : 'Scaler report',
    from: options.from,
    to: options.to,
    generatedAt,
    services: reports,
  };
}

/**
 * One cheap read through the database and retention policy the report reads. InfluxDB 1.x answers
 * a missing retention policy, in the several statements a service's history is read with, only
 * with "statement 0: not executed": the operator was told nothing of what was wrong.
 */
async function requireReadable(connection: InfluxConnection, flags: ReportFlags): Promise<void> {
  try {
    await influxQuery(connection, `SELECT ${quoteIdentifier(ServiceStatsField.replicas)} FROM ${quoteIdentifier(Measurement.serviceStats)} WHERE time >= 0ms AND time <= 0ms LIMIT 1`);
  } catch (error) {
    if (!(error instanceof InfluxQueryError)) throw error;
    if (/database not found/i.test(error.message)) {
      const known = await names(connection, 'SHOW DATABASES', '', (name) => name !== '_internal');
      throw new ConfigError(`${flags.database}: InfluxDB at ${connection.url} has no database ${JSON.stringify(connection.database)}${known === undefined ? '' : ` (it has: ${known.join(', ') || 'none'})`}`);
    }
    if (/retention policy not found/i.test(error.message)) {
      const known = await names(connection, `SHOW RETENTION POLICIES ON ${quoteIdentifier(connection.database)}`, '');
      throw missingRetentionPolicyError(flags.retentionPolicy, connection.database, connection.retentionPolicy, known);
    }
    throw error;
  }
}

/** Services named on the command line that no measurement carries: most likely a typo, said with the names InfluxDB has. */
async function requireKnownServices(connection: InfluxConnection, services: readonly string[], flags: ReportFlags): Promise<void> {
  const [result] = await influxQuery(connection, `SHOW TAG VALUES WITH KEY = ${quoteIdentifier(Tag.service)}`);
  const known = new Set(seriesRows(result?.series ?? []).map((row) => String(row.value)));
  const unknown = services.filter((service) => !known.has(service));
  if (unknown.length === 0) return;
  const listed = [...known].sort();
  const shown = listed.length > 20 ? `${listed.slice(0, 20).map((n) => JSON.stringify(n)).join(', ')}, … (${listed.length} in all)` : listed.map((n) => JSON.stringify(n)).join(', ') || 'none';
  throw new ConfigError(`${flags.service}: database ${JSON.stringify(connection.database)} has no data for ${unknown.map((n) => JSON.stringify(n)).join(', ')} (services it has: ${shown})`);
}

/** The first column of a SHOW answer, or undefined when that cannot be had (no right to ask: the error says enough without it). */
async function names(connection: InfluxConnection, query: string, database: string, keep: (name: string) => boolean = () => true): Promise<string[] | undefined> {
  try {
    const [result] = await influxQuery(connection, query, { database, retentionPolicy: '' });
    return seriesRows(result?.series ?? []).map((row) => String(row.name)).filter(keep).sort();
  } catch {
    return undefined;
  }
}

/**
 * Writes `<name>.html` and `<name>.json` into `outDir`; returns both paths. If one cannot be
 * written, neither is left: the files this call opened for writing are removed again (a file it
 * could not open, such as a read-only one of an earlier run, is not its to remove). `written`
 * collects those files as they are opened, for a caller that must remove them on an interrupt.
 */
export async function writeReport(report: Report, outDir: string, name: string, written: string[] = []): Promise<{ html: string; json: string }> {
  await mkdir(outDir, { recursive: true });
  const html = join(outDir, `${name}.html`);
  const json = join(outDir, `${name}.json`);
  try {
    for (const [file, content] of [[html, renderReportHtml(report)], [json, `${JSON.stringify(report, null, 2)}\n`]] as const) {
      const handle = await open(file, 'w');
      written.push(file);
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await Promise.all(written.map((file) => unlink(file).catch(() => undefined)));
    throw error;
  }
  return { html, json };
}
