import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Point } from '@influxdata/influxdb-client';
import type { Logger } from '../logger.js';
import { backoffDelayMs } from './backoff.js';
import type { InfluxConnection } from './config.js';
import { authHeaders, endpoint, InfluxHttpError, InfluxUnreachableError, isRetryableStatus, requestFailure, requestSignal } from './http.js';
import { BoundedLineBuffer } from './lineBuffer.js';
import { linesDroppedByPartialWrite } from './partialWrite.js';

const gzip = promisify(gzipCallback);

export interface InfluxWriterOptions {
  /** Lines per `/write` request. */
  readonly batchSize?: number;
  /** How often buffered lines are sent when no batch fills up first. */
  readonly flushIntervalMs?: number;
  /** Lines kept while InfluxDB is unreachable; beyond it the oldest are dropped and counted. */
  readonly maxBufferedPoints?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** Per-request timeout: a hung InfluxDB must not hold the buffer hostage (default: the connection's, `INFLUX_TIMEOUT_MS`). */
  readonly requestTimeoutMs?: number;
  readonly logger: Logger;
}

export interface InfluxWriterStats {
  readonly pointsWritten: number;
  readonly writeRequests: number;
  readonly writeErrors: number;
  readonly droppedPoints: number;
  readonly bufferedPoints: number;
  readonly bufferCapacity: number;
  readonly reachable: boolean;
}

export const defaultWriterOptions = {
  batchSize: 5000,
  flushIntervalMs: 1000,
  maxBufferedPoints: 200_000,
  retryMinMs: 500,
  retryMaxMs: 5000,
  requestTimeoutMs: 10_000,
} as const;

/** Serialises a Point with millisecond timestamps, the precision every write uses. */
export function toLine(point: Point): string | undefined {
  return point.toLineProtocol({
    convertTime: (value) => (value instanceof Date ? String(value.getTime()) : value === undefined ? String(Date.now()) : String(value)),
  });
}

/**
 * Batched, gzip-compressed writes to `/write` (line protocol, ms precision). While InfluxDB is
 * away, lines wait in a bounded buffer and are retried with exponential backoff; the caller never
 * waits and never sees an exception. One state-change log line when InfluxDB goes, one when it
 * comes back.
 */
export class InfluxWriter {
  private readonly options: Required<Omit<InfluxWriterOptions, 'logger'>>;
  private readonly logger: Logger;
  private readonly buffer: BoundedLineBuffer;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private failedAttempts = 0;
  private nextAttemptAt = 0;
  private unreachableSince: number | undefined;
  private droppedAtOutageStart = 0;
  /** Lines of the batch being sent: out of the buffer, not yet written. */
  private linesInFlight = 0;
  private counters = { pointsWritten: 0, writeRequests: 0, writeErrors: 0, rejectedPoints: 0 };
  /**
   * Aborted when `close` reaches its deadline: part of every request's signal, so that a write in
   * flight then (which would otherwise wait its whole request timeout) ends at once.
   */
  private readonly closeDeadline = new AbortController();

  constructor(
    private readonly connection: InfluxConnection,
    options: InfluxWriterOptions,
  ) {
    this.options = { ...defaultWriterOptions, ...(connection.timeoutMs ? { requestTimeoutMs: connection.timeoutMs } : {}), ...stripUndefined(options) };
    this.logger = options.logger;
    this.buffer = new BoundedLineBuffer(this.options.maxBufferedPoints);
  }

  start(): this {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
    return this;
  }

  write(points: readonly Point[]): void {
    const lines: string[] = [];
    for (const point of points) {
      const line = toLine(point);
      if (line) lines.push(line);
    }
    this.writeLines(lines);
  }

  writeLines(lines: readonly string[]): void {
    const dropped = this.buffer.push(lines);
    if (dropped > 0) this.logger.debug({ dropped, capacity: this.buffer.capacity }, 'influx buffer full: oldest points dropped');
    if (this.buffer.size >= this.options.batchSize) void this.flush();
  }

  stats(): InfluxWriterStats {
    return {
      pointsWritten: this.counters.pointsWritten,
      writeRequests: this.counters.writeRequests,
      writeErrors: this.counters.writeErrors,
      droppedPoints: this.buffer.dropped + this.counters.rejectedPoints,
      // A batch in flight is still unwritten: without it the gauge dropped to 0 on every retry.
      bufferedPoints: this.buffer.size + this.linesInFlight,
      bufferCapacity: this.buffer.capacity,
      reachable: this.unreachableSince === undefined,
    };
  }

  /** Sends what is buffered now (unless a retry is not due yet). Resolves when this pass ends. */
  flush(): Promise<void> {
    if (this.sending) return this.sending;
    if (this.buffer.size === 0 || Date.now() < this.nextAttemptAt) return Promise.resolve();
    this.sending = this.drain().finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  /**
   * Stops the timer and tries to send everything left, for at most `timeoutMs`: a write still in
   * flight at the deadline is aborted (a silent InfluxDB would otherwise hold the process for its
   * whole request timeout). What is left unsent then is lost, and said so in one warning.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const deadline = this.closeDeadline.signal;
    const reachDeadline = () => this.closeDeadline.abort(new WriterClosedError(timeoutMs));
    // No time at all (the caller has given up on InfluxDB): nothing is sent, a write in flight ends now.
    if (timeoutMs <= 0) reachDeadline();
    const atDeadline = setTimeout(reachDeadline, Math.max(0, timeoutMs));
    try {
      while ((this.buffer.size > 0 || this.sending) && !deadline.aborted) {
        this.nextAttemptAt = 0;
        await this.flush();
        if (this.buffer.size > 0) await sleep(100, undefined, { signal: deadline }).catch(() => undefined);
      }
    } finally {
      clearTimeout(atDeadline);
    }
    // Aborted at the deadline, a send in flight ends at once and puts its batch back.
    await this.sending;
    const unsent = this.buffer.size;
    if (unsent > 0) {
      this.logger.warn(
        { unsent, timeoutMs, url: this.connection.url },
        `influx writer closed with ${unsent} points unsent after ${timeoutMs} ms: the process is stopping, so they are lost`,
      );
    }
  }

  private async drain(): Promise<void> {
    while (this.buffer.size > 0) {
      const batch = this.buffer.take(this.options.batchSize);
      this.linesInFlight = batch.length;
      try {
        const partial = await this.send(batch);
        this.counters.pointsWritten += batch.length - (partial?.dropped ?? 0);
        if (partial) {
          // Its other lines are stored and the dropped ones would be dropped again: nothing to retry.
          this.counters.writeErrors += 1;
          this.counters.rejectedPoints += partial.dropped;
          this.logger.error(
            { status: 400, error: partial.message, lines: batch.length, written: batch.length - partial.dropped, dropped: partial.dropped },
            'influxdb stored a batch but for some points (partial write): those dropped',
          );
        }
        this.markReachable();
      } catch (error) {
        if (this.closeDeadline.signal.aborted) {
          // Cut short by close(): not an outage to report or retry; close() counts what is left.
          this.buffer.returnToFront(batch);
          return;
        }
        this.counters.writeErrors += 1;
        if (error instanceof InfluxHttpError && !error.retryable) {
          // The batch itself is wrong (bad lines, a field type conflict within it) and none of it is
          // stored: retrying cannot help.
          this.counters.rejectedPoints += batch.length;
          this.logger.error({ status: error.status, error: error.message, lines: batch.length, sample: batch[0] }, 'influxdb rejected a batch: points dropped');
          // A refusal is an answer: after an outage, influxd is back, whatever it made of this batch.
          this.markReachable();
          continue;
        }
        this.buffer.returnToFront(batch);
        this.markUnreachable(error);
        return;
      } finally {
        this.linesInFlight = 0;
      }
    }
  }

  /** Resolves when influxd stored the batch, whole or all but `dropped` of its lines (a partial write). */
  private async send(batch: readonly string[]): Promise<PartialWrite | undefined> {
    const body = await gzip(Buffer.from(batch.join('\n')));
    this.counters.writeRequests += 1;
    const params: Record<string, string> = { db: this.connection.database, precision: 'ms' };
    if (this.connection.retentionPolicy) params.rp = this.connection.retentionPolicy;
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint(this.connection, '/write', params), {
        method: 'POST',
        headers: { ...authHeaders(this.connection), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Encoding': 'gzip' },
        body,
        signal: requestSignal(this.connection, this.options.requestTimeoutMs, this.closeDeadline.signal),
      });
      text = await response.text();
    } catch (error) {
      throw requestFailure(this.connection, error, this.options.requestTimeoutMs, { request: `POST /write (${batch.length} points)` });
    }
    if (response.status === 204 || response.ok) return undefined;
    const message = `InfluxDB /write answered ${response.status}: ${text.slice(0, 300)}`;
    const dropped = response.status === 400 ? linesDroppedByPartialWrite(text, batch.length) : undefined;
    if (dropped !== undefined) return { dropped, message };
    // A database not created yet (InfluxDB was down when the schema setup ran; it is retried) is
    // not a bad batch: keep the points until it exists.
    const missingDatabase = response.status === 404 && /database not found/i.test(text);
    throw new InfluxHttpError(message, response.status, missingDatabase || isRetryableStatus(response.status));
  }

  private markUnreachable(error: unknown): void {
    this.failedAttempts += 1;
    const delay = backoffDelayMs(this.failedAttempts, this.options.retryMinMs, this.options.retryMaxMs);
    this.nextAttemptAt = Date.now() + delay;
    const reason = describe(error);
    if (this.unreachableSince === undefined) {
      this.unreachableSince = Date.now();
      this.droppedAtOutageStart = this.buffer.dropped;
      this.logger.warn(
        { url: this.connection.url, error: reason, buffered: this.buffer.size, capacity: this.buffer.capacity },
        'influxdb unreachable: buffering points and retrying with backoff',
      );
    } else {
      this.logger.debug({ error: reason, attempt: this.failedAttempts, retryInMs: delay, buffered: this.buffer.size }, 'influxdb still unreachable');
    }
  }

  private markReachable(): void {
    this.failedAttempts = 0;
    this.nextAttemptAt = 0;
    if (this.unreachableSince === undefined) return;
    const outageSeconds = (Date.now() - this.unreachableSince) / 1000;
    this.unreachableSince = undefined;
    this.logger.info(
      { url: this.connection.url, outageSeconds, backlog: this.buffer.size, droppedDuringOutage: this.buffer.dropped - this.droppedAtOutageStart },
      'influxdb reachable again: sending buffered points',
    );
  }
}

/** A 400 after which influxd still stored the batch but for `dropped` lines. */
interface PartialWrite {
  readonly dropped: number;
  readonly message: string;
}

/** Why a write was cut short: `close(timeoutMs)` reached its deadline. */
class WriterClosedError extends Error {
  override name = 'WriterClosedError';
  constructor(timeoutMs: number) {
    super(`influx writer closed: deadline of ${timeoutMs} ms reached`);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Its message already says what the cause adds ("fetch failed", "aborted due to timeout") better.
  if (error instanceof InfluxUnreachableError) return error.message;
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
