import { anySignal } from '../anySignal.js';
import { ConfigError } from '../env.js';
import type { Logger } from '../logger.js';
import type { InfluxConnection, InfluxRetention } from './config.js';
import { quoteIdentifier } from './influxql.js';
import { backoffDelayMs } from './backoff.js';
import { InfluxHttpError, InfluxUnreachableError } from './http.js';
import { influxQuery, seriesRows } from './query.js';

/** Name of the continuous query that downsamples every raw measurement into the history policy. */
export function downsampleQueryName(retention: InfluxRetention): string {
  return `downsample_${retention.downsampleEvery}`;
}

/**
 * The continuous query body: every numeric field of every measurement, averaged per
 * `downsampleEvery` and per series, into the history policy under the same measurement name
 * (fields become `mean_<field>`, InfluxQL's naming for `mean(*)`). With `where` (a time range)
 * the same statement backfills history by hand, e.g. after raising the history retention.
 */
export function downsampleSelect(connection: InfluxConnection, retention: InfluxRetention, where?: string): string {
  const db = quoteIdentifier(connection.database);
  return (
    `SELECT mean(*) INTO ${db}.${quoteIdentifier(retention.historyPolicy)}.:MEASUREMENT ` +
    `FROM ${db}.${quoteIdentifier(connection.retentionPolicy)}./.*/ ${where ? `WHERE ${where} ` : ''}GROUP BY time(${retention.downsampleEvery}), *`
  );
}

export function continuousQueryStatement(connection: InfluxConnection, retention: InfluxRetention): string {
  return (
    `CREATE CONTINUOUS QUERY ${quoteIdentifier(downsampleQueryName(retention))} ON ${quoteIdentifier(connection.database)} ` +
    `BEGIN ${downsampleSelect(connection, retention)} END`
  );
}

/**
 * Creates the database, the raw retention policy (default, where points land), the history
 * policy and the downsampling continuous query, or brings existing ones to the configured
 * durations. Idempotent. InfluxDB 2.x/3 manage buckets themselves and refuse these statements:
 * the failure is logged and the collector goes on writing.
 */
export async function ensureInfluxSchema(connection: InfluxConnection, retention: InfluxRetention, logger: Logger, signal?: AbortSignal, options: SchemaOwnership = {}): Promise<boolean> {
  // `signal`: a one-shot command interrupted meanwhile; its requests end at once, nothing is said.
  return (await trySchema(connection, retention, logger, undefined, signal, options)) === 'ready';
}

/**
 * Who sets the schema up. The collector owns it (the default): it creates the database and the
 * policies and brings them to its durations every start. A command that only uses the database
 * (`onlyWhenNew`: the scaler) sets it up as the collector would where nobody has yet (no database,
 * or one with no retention policy but InfluxDB's own `autogen`: a fresh install, the scaler started
 * first; `CREATE DATABASE` of one that exists changes nothing) and otherwise changes nothing: a `--retention-policy` the database does not have is
 * refused (a ConfigError naming the policies it has, `retentionPolicyFlag` first), never created
 * and made the default. A typo there had moved the default off `raw`, and every query that names
 * no policy (Grafana's) found nothing until the collector restarted.
 */
export interface SchemaOwnership {
  readonly onlyWhenNew?: boolean;
  /** How the operator sets the retention policy, for the refusal (`--retention-policy`). */
  readonly retentionPolicyFlag?: string;
}

/** The refusal of a retention policy an existing database does not have (the scaler's and `report`'s), with those it has when they could be listed. */
export function missingRetentionPolicyError(flag: string, database: string, policy: string, existing: readonly string[] | undefined): ConfigError {
  return new ConfigError(`${flag}: database ${JSON.stringify(database)} has no retention policy ${JSON.stringify(policy)}${existing === undefined ? '' : ` (it has: ${existing.join(', ') || 'none'})`}`);
}

/** InfluxDB 1.x's own policy of a database created without one: a database holding only it has not been set up. */
const INFLUX_OWN_POLICY = 'autogen';

/**
 * What one schema attempt came to: done, refused (2.x/3: not retried), InfluxDB not answering
 * (worth retrying), or cut short by the caller's signal (the process is stopping: nothing to say).
 */
type SchemaAttempt = 'ready' | 'refused' | 'unreachable' | 'stopped';

async function trySchema(
  connection: InfluxConnection,
  retention: InfluxRetention,
  logger: Logger,
  retrying?: { readonly retryInMs: number; readonly again: boolean },
  signal?: AbortSignal,
  ownership: SchemaOwnership = {},
): Promise<SchemaAttempt> {
  const db = quoteIdentifier(connection.database);
  const stoppable = signal ? { signal } : {};
  try {
    // Changes nothing where the database exists (InfluxDB 1.x answers it as done).
    await influxQuery(connection, `CREATE DATABASE ${db}`, { write: true, database: '', retentionPolicy: '', ...stoppable });
    const [policies] = await influxQuery(connection, `SHOW RETENTION POLICIES ON ${db}`, { retentionPolicy: '', ...stoppable });
    const names = seriesRows(policies?.series ?? []).map((row) => String(row.name));
    // Set up already (a policy besides InfluxDB's own): a command that only uses it checks, and changes nothing.
    if (ownership.onlyWhenNew && names.some((name) => name !== INFLUX_OWN_POLICY)) {
      if (!names.includes(connection.retentionPolicy)) throw missingRetentionPolicyError(ownership.retentionPolicyFlag ?? 'INFLUX_RETENTION_POLICY', connection.database, connection.retentionPolicy, names);
      logger.debug({ database: connection.database, retentionPolicy: connection.retentionPolicy }, 'influxdb database set up already (by the collector): left as it is');
      return 'ready';
    }
    const existing = new Set(names);
    const policy = async (name: string, duration: string, isDefault: boolean) => {
      const verb = existing.has(name) ? 'ALTER' : 'CREATE';
      await influxQuery(
        connection,
        `${verb} RETENTION POLICY ${quoteIdentifier(name)} ON ${db} DURATION ${duration} REPLICATION 1${isDefault ? ' DEFAULT' : ''}`,
        { write: true, retentionPolicy: '', ...stoppable },
      );
    };
    await policy(connection.retentionPolicy, retention.rawDuration, true);
    await policy(retention.historyPolicy, retention.historyDuration, false);

    const name = downsampleQueryName(retention);
    const [queries] = await influxQuery(connection, 'SHOW CONTINUOUS QUERIES', { retentionPolicy: '', ...stoppable });
    const current = (queries?.series ?? []).find((series) => series.name === connection.database);
    const wanted = continuousQueryStatement(connection, retention);
    const present = seriesRows(current ? [current] : []).find((row) => row.name === name);
    const upToDate = present !== undefined && sameStatement(String(present.query), wanted);
    if (present && !upToDate) await influxQuery(connection, `DROP CONTINUOUS QUERY ${quoteIdentifier(name)} ON ${db}`, { write: true, retentionPolicy: '', ...stoppable });
    if (!upToDate) await influxQuery(connection, wanted, { write: true, retentionPolicy: '', ...stoppable });
    logger.info(
      { database: connection.database, raw: `${connection.retentionPolicy} ${retention.rawDuration}`, history: `${retention.historyPolicy} ${retention.historyDuration}`, downsample: retention.downsampleEvery },
      'influxdb database, retention policies and continuous query ready',
    );
    return 'ready';
  } catch (error) {
    // Stopped by the caller, not failed: no warning that InfluxDB is away, no "refused" either.
    if (signal?.aborted) return 'stopped';
    // A setting the database contradicts: the command's to refuse (exit 2), not a refusal of 2.x/3.
    if (error instanceof ConfigError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof InfluxUnreachableError || (error instanceof InfluxHttpError && error.retryable)) {
      if (!retrying) logger.warn({ url: connection.url, error: message }, 'influxdb not answering: schema setup (database, retention policies, continuous query) not done');
      // One warning when it starts; the retries after it say so at debug level.
      else logger[retrying.again ? 'debug' : 'warn']({ url: connection.url, error: message, retryInMs: retrying.retryInMs }, 'influxdb not answering: schema setup (database, retention policies, continuous query) retried in the background; points are buffered meanwhile');
      return 'unreachable';
    }
    logger.warn({ error: message }, 'influxdb schema setup failed (fine on InfluxDB 2.x/3 with a mapped bucket): writing anyway');
    return 'refused';
  }
}

/**
 * `ensureInfluxSchema` for the long-running commands (collector, scaler), which keep going while
 * InfluxDB is away: one attempt now (every request bounded by the connection's timeout,
 * `INFLUX_TIMEOUT_MS`), and while InfluxDB does not answer, a warning and further attempts in the
 * background with backoff (`retryMinMs` doubling to `retryMaxMs`) until one succeeds or is refused.
 * Resolves after the first attempt; `stop()` ends the retries and cuts short an attempt in flight.
 * `signal` (a SIGTERM during the command's start-up) does the same, and the first attempt then
 * resolves at once instead of waiting out its requests' timeout on a silent InfluxDB.
 */
export async function ensureInfluxSchemaInBackground(
  connection: InfluxConnection,
  retention: InfluxRetention,
  logger: Logger,
  options: {
    readonly retryMinMs?: number;
    readonly retryMaxMs?: number;
    readonly signal?: AbortSignal;
    /** With `onlyWhenNew`: a retention policy the database turned out not to have at a retry in the background (the first attempt's rejects the call). */
    readonly onConfigError?: (error: ConfigError) => void;
  } & SchemaOwnership = {},
): Promise<{ stop(): void }> {
  const { retryMinMs = 1000, retryMaxMs = 30_000 } = options;
  const stopping = new AbortController();
  const signal = anySignal([options.signal, stopping.signal]);
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  const run = async (): Promise<void> => {
    attempt += 1;
    const retryInMs = backoffDelayMs(attempt, retryMinMs, retryMaxMs);
    const outcome = await trySchema(connection, retention, logger, { retryInMs, again: attempt > 1 }, signal, options);
    if (outcome === 'unreachable' && !signal.aborted) {
      timer = setTimeout(() => {
        run().catch((error: unknown) => {
          if (error instanceof ConfigError && options.onConfigError) options.onConfigError(error);
          else logger.error({ error: String(error) }, 'influxdb schema setup failed');
        });
      }, retryInMs);
      timer.unref();
    }
  };
  await run();
  return {
    stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
    },
  };
}

/** InfluxDB shows statements with simple identifiers unquoted; ours are all simple (checked in config). */
export function sameStatement(shown: string, ours: string): boolean {
  return shown.replace(/"/g, '') === ours.replace(/"/g, '');
}
