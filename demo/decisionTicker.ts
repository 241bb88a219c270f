import { z } from 'zod';
import { coresChangeText } from '../scaler/coresChangeText.js';
import { influxConnectionFrom, queryRows, readInfluxEnv } from '../common/influx/index.js';

const DECISION_ROW = z.object({
  time: z.number(),
  service: z.string().nullable().optional(),
  replicas_before: z.number().nullable(),
  replicas_after: z.number().nullable(),
  cpu_limit_cores_before: z.number().nullable(),
  cpu_limit_cores_after: z.number().nullable(),
  reason: z.string().nullable(),
});

/**
 * The scaler's newest decision on any of `services`, as one short line for a demo's live view,
 * read from InfluxDB at most every 2 s.
 */
export function decisionTicker(influxUrl: string, services: readonly string[]): () => Promise<string | undefined> {
  const connection = influxConnectionFrom(readInfluxEnv({ ...process.env, INFLUX_URL: influxUrl }));
  const which = services.map((service) => `"service" = '${service.replace(/'/g, "\\'")}'`).join(' OR ');
  const query = `SELECT "replicas_before","replicas_after","cpu_limit_cores_before","cpu_limit_cores_after","reason","service" FROM "scaler_decision" WHERE ${which} ORDER BY time DESC LIMIT 1`;
  let last: string | undefined;
  let readAt = 0;
  return async () => {
    if (Date.now() - readAt < 2000) return last;
    readAt = Date.now();
    // A missed read keeps the last line: the live view must not stop for InfluxDB.
    const [row] = await queryRows(connection, query, DECISION_ROW).catch(() => []);
    if (row) last = decisionTickerLine(row, services.length > 1);
    return last;
  };
}

/** `18:54:47 replicas 1→2: <the reason's first 80 characters>`; the service is named when the view follows several. */
export function decisionTickerLine(row: z.infer<typeof DECISION_ROW>, nameService: boolean): string {
  const at = new Date(row.time).toISOString().slice(11, 19);
  const change =
    row.replicas_before !== row.replicas_after
      ? `replicas ${row.replicas_before}→${row.replicas_after}`
      : row.cpu_limit_cores_before !== row.cpu_limit_cores_after
        ? `cpu ${coresChangeText(row.cpu_limit_cores_before ?? undefined, row.cpu_limit_cores_after ?? undefined).join('→')}`
        : 'hold';
  const who = nameService && row.service ? `${row.service} ` : '';
  return `${at} ${who}${change}: ${String(row.reason).slice(0, 80)}`;
}
