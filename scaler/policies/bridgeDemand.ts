import { medianSorted, quantileSorted } from 'simple-statistics';
import { lastSpan, type SampleWindow } from '../samples.js';
import { simpleMovingAverage } from '../signals/movingAverage.js';
import { staffedDemand } from './squareRootStaffing.js';
import type { BridgeSizing } from './verticalBridge.js';

/**
 * The demand the vertical bridge sizes the ready replicas' CPU limit for, now. The bridge acts
 * within a second (a CPU limit applies to running containers at once), so it is re-sized more
 * often than replicas are weighed (`bridgeSeconds`, 1 s, against `evaluationSeconds`, 5 s) and
 * reads only the newest seconds:
 *
 * - the larger of the panic-window and metric-window means;
 * - the busy second of the metric window (its 95th percentile) and the busiest second of the panic
 *   window, with square-root headroom (`bridgeHeadroom`, β), expressed as the demand that needs as
 *   much at the target: per-second jitter queues requests second by second, and the knee comes
 *   earlier the fewer the request slots;
 * - plus the backlog, drained by the next evaluation (a queue is latency now).
 *
 * The busy second is read over the metric window (15 s), not the stable window (60 s) the
 * replicas use: a bridge re-sized every second answers a burst within a second of its start, so
 * holding a minute's headroom after each burst (what a 5 s bridge needed) is mostly paid for
 * nothing. The replicas, which take their start-up to serve, keep the minute.
 */
export interface BridgeDemandSettings {
  /** The metric window (s): its mean and its busy second. */
  metricWindowSeconds: number;
  /** The panic window (s): its mean and its busiest second. */
  panicWindowSeconds: number;
  /** Share of a replica's base capacity planned for (the adaptive target). */
  targetUtilisation: number;
  /** Square-root staffing headroom for the busy seconds (β). */
  bridgeHeadroom: number;
  /** The adaptive evaluation period (s): a backlog is drained within it. */
  evaluationSeconds: number;
}

export interface BridgeDemand extends BridgeSizing {
  /** Requests per second to size the ready replicas for, backlog included. */
  demandRps: number;
  panicMean: number;
  metricMean: number;
  /** 95th percentile of per-second demand over the metric window. */
  busySecond: number;
  /** The busiest second of the panic window. */
  newestBusySecond: number;
  /**
   * The median second of the metric window: what the service does in most seconds, which a busy
   * second or two (a healthcheck, a timer) does not move. It tells an idle service (`verticalBridge.ts`).
   */
  typicalSecondRps: number;
}

/** How many seconds back `bridgeDemand` reads: its longest window, and the second in progress. */
export function bridgeDemandSpanSeconds(settings: Pick<BridgeDemandSettings, 'metricWindowSeconds' | 'panicWindowSeconds'>): number {
  return Math.max(settings.metricWindowSeconds, settings.panicWindowSeconds) + 1;
}

export function bridgeDemand(
  requestRate: SampleWindow,
  queueDepth: number,
  now: number,
  /** Requests/s one replica serves at its base CPU limit, at 100% (latency correction applied). */
  capacityPerReplicaRps: number,
  settings: BridgeDemandSettings,
): BridgeDemand {
  const metricSpan = lastSpan(requestRate, settings.metricWindowSeconds * 1000, now);
  const panicSpan = lastSpan(requestRate, settings.panicWindowSeconds * 1000, now);
  const metricMean = simpleMovingAverage(metricSpan) ?? 0;
  const panicMean = simpleMovingAverage(panicSpan) ?? metricMean;
  // Sorted once for both: the bridge is re-sized every second (every simulated second, too).
  const perSecond = metricSpan.map((sample) => sample.value).sort((a, b) => a - b);
  const busySecond = perSecond.length > 0 ? quantileSorted(perSecond, 0.95) : 0;
  const typicalSecondRps = perSecond.length > 0 ? medianSorted(perSecond) : 0;
  const newestBusySecond = panicSpan.reduce((peak, sample) => Math.max(peak, sample.value), 0);
  const busiest = Math.max(busySecond, newestBusySecond);
  const busiestAsDemand = staffedDemand(busiest, capacityPerReplicaRps, settings.targetUtilisation, settings.bridgeHeadroom);
  const drain = Math.max(0, queueDepth) / Math.max(settings.evaluationSeconds, 1);
  return { demandRps: Math.max(panicMean, metricMean, busiestAsDemand) + drain, panicMean, metricMean, busySecond, newestBusySecond, typicalSecondRps };
}
