import type { InfluxUnreachableError } from './http.js';

/**
 * A run's resolve to stop asking an InfluxDB that has let one request go unanswered for its whole
 * timeout (`INFLUX_TIMEOUT_MS`). A server that does not answer one request does not answer the
 * next either, and a run that asks several things one after another (`scaler --once`: the schema,
 * then each service's records and window, then its writes) would wait a timeout for each. On a
 * connection that carries it (`InfluxConnection.giveUp`), the first request that times out makes
 * every request after it, and every one still waiting, fail at once with that first error.
 *
 * The long-running commands carry none: they keep asking, tick after tick, for InfluxDB to come back.
 */
export class InfluxGiveUp {
  private readonly controller = new AbortController();

  /** Aborted, with the first timeout as its reason, once a request has timed out. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first request's timeout, once there was one. */
  get reason(): InfluxUnreachableError | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as InfluxUnreachableError) : undefined;
  }

  timedOut(error: InfluxUnreachableError): void {
    if (!this.controller.signal.aborted) this.controller.abort(error);
  }
}
