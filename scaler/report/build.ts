import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { listServices, type InfluxConnection } from '../../common/influx/index.js';
import { readServiceHistory } from './history.js';
import { renderReportHtml } from './html.js';
import { summarise, type Report } from './model.js';

/** Reads the history of each service (all that wrote `service_stats` when none are named) and summarises it. */
export async function buildReport(connection: InfluxConnection, options: { services?: readonly string[]; from: number; to: number; now?: number }): Promise<Report> {
  const services = options.services?.length ? [...options.services] : await listServices(connection);
  const reports = [];
  for (const service of services.sort()) {
    const history = await readServiceHistory(connection, service, options.from, options.to);
    reports.push({ ...history, summary: summarise(history, options.from, options.to) });
  }
  return {
    title: services.length === 1 ? `Scaler report: ${services[0]}` : 'Scaler report',
    from: options.from,
    to: options.to,
    generatedAt: options.now ?? Date.now(),
    services: reports,
  };
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
