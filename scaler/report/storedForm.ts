/**
 * How the retention policy a report reads holds what the collector and the scaler wrote. They
 * write fields under their own names (`value`, `replicas`, …); the downsampling continuous query
 * (common/influx/setup.ts) stores `mean(*)` of the numeric ones, which InfluxQL names
 * `mean_<field>`, and keeps no string field, so no decision's outcome, resource or reason.
 * Installations already hold history in that form: the report maps names to it rather than the
 * query storing them otherwise. Pure: the adapter (history.ts) asks InfluxDB and passes the answers in.
 */
import type { DownsampledSource } from './model.js';

/** `as_written`: the names the writers use. `downsampled`: `mean_<field>`, as the continuous query stores them. */
export type FieldNaming = 'as_written' | 'downsampled';

const DOWNSAMPLED_PREFIX = 'mean_';

/** What the report needs to read one retention policy: its field names, and where the decisions are when it keeps none. */
export interface StoredForm {
  readonly naming: FieldNaming;
  /** Set when the policy read is downsampled: what the notes say about it, and the policy the decisions are read from. */
  readonly downsampled?: DownsampledSource;
}

export const AS_WRITTEN: StoredForm = { naming: 'as_written' };

/**
 * Downsampled when every field the policy holds for the measurements charted is `mean_<field>`.
 * Decided from the stored keys rather than the policy's name: `--retention-policy` may name any
 * policy, and a history policy need not be called `history`. A policy with no field is read as written (it has no data either way).
 */
export function fieldNamingOf(fieldKeys: readonly string[]): FieldNaming {
  return fieldKeys.length > 0 && fieldKeys.every((key) => key.startsWith(DOWNSAMPLED_PREFIX)) ? 'downsampled' : 'as_written';
}

export function storedFieldName(naming: FieldNaming, field: string): string {
  return naming === 'downsampled' ? `${DOWNSAMPLED_PREFIX}${field}` : field;
}

export interface RetentionPolicyRow {
  readonly name: string;
  /** As SHOW RETENTION POLICIES gives it: `168h0m0s`; `0s` for kept forever. */
  readonly duration: string;
  readonly isDefault: boolean;
}

/**
 * The form of `policyRead`. On a downsampled policy the decisions are read from the database's
 * default policy, where the scaler's points land (`raw`, made default by ensureInfluxSchema), for
 * as long as it keeps them; `readAt` is when the report is made, from which that is reckoned.
 */
export function storedFormOf(policyRead: string, fieldKeys: readonly string[], policies: readonly RetentionPolicyRow[], readAt: number, continuousQueries: ContinuousQueries = NO_CONTINUOUS_QUERIES): StoredForm {
  const naming = fieldNamingOf(fieldKeys);
  if (naming === 'as_written') return AS_WRITTEN;
  const raw = policies.find((policy) => policy.isDefault && policy.name !== policyRead);
  const keptMs = raw ? policyDurationMs(raw.duration) : undefined;
  const intervalMs = downsampleIntervalMs(policyRead, continuousQueries);
  return {
    naming,
    downsampled: {
      policy: policyRead,
      readAt,
      ...(raw ? { decisionsPolicy: raw.name } : {}),
      ...(keptMs !== undefined ? { decisionsKeptMs: keptMs } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    },
  };
}

/** The continuous queries of one database, as SHOW CONTINUOUS QUERIES gives their text. */
export interface ContinuousQueries {
  readonly database: string;
  readonly queries: readonly string[];
}

const NO_CONTINUOUS_QUERIES: ContinuousQueries = { database: '', queries: [] };

/**
 * How long a span each point of `policy` is the mean of: the `GROUP BY time(…)` of the continuous
 * query that writes INTO it (`… INTO mydb.history.:MEASUREMENT … GROUP BY time(1m), * END`); the
 * longest, should several write there. Undefined when none does (a policy filled by hand).
 */
export function downsampleIntervalMs(policy: string, continuousQueries: ContinuousQueries): number | undefined {
  const intervals = continuousQueries.queries.flatMap((query) => {
    const into = intoPolicy(query, continuousQueries.database);
    const every = /\bGROUP\s+BY\s+(?:[^()]*,\s*)?time\(\s*([0-9.]+[a-zµ]+)/i.exec(query)?.[1];
    const ms = into === policy && every !== undefined ? policyDurationMs(every) : undefined;
    return ms === undefined ? [] : [ms];
  });
  return intervals.length ? Math.max(...intervals) : undefined;
}

/** The retention policy of a query's INTO target (`db.rp.measurement` or `rp.measurement`), names quoted or not. */
function intoPolicy(query: string, database: string): string | undefined {
  const target = /\bINTO\s+((?:"(?:[^"\\]|\\.)*"|[^\s."]+)(?:\.(?:"(?:[^"\\]|\\.)*"|[^\s."]+))*)/i.exec(query)?.[1];
  if (target === undefined) return undefined;
  const parts = [...target.matchAll(/"((?:[^"\\]|\\.)*)"|([^."]+)/g)].map((part) => (part[1] !== undefined ? part[1].replace(/\\(.)/g, '$1') : (part[2] as string)));
  if (parts.length === 3) return parts[0] === database ? parts[1] : undefined;
  return parts.length === 2 ? parts[0] : undefined;
}

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `168h0m0s` in ms; undefined for `0s` (InfluxDB's "forever") or a text it does not read. */
export function policyDurationMs(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  const ms = parts.reduce((total, [, amount, unit]) => total + Number(amount) * (UNIT_MS[unit as string] ?? 0), 0);
  return ms > 0 ? ms : undefined;
}
