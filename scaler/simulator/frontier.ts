import { capacityPerReplica, p95LatencySeconds, serveSecond, type ServiceModel } from './serviceModel.js';

/**
 * The cost/violation frontier of a clairvoyant capacity planner: how few violation-seconds any
 * amount of replica-seconds can buy on a trace, for a planner far stronger than a real scaler.
 * It answers "how far is a goal?" for a trace: where even this planner cannot reach a point, no
 * policy that sizes capacity from the load's level and spread can.
 *
 * The planner, each second:
 * - knows the per-second loads of the surrounding ±`windowSeconds` (the future and this second
 *   included) as a set of values, but not their order: not which of them is now (knowing that
 *   would make every trace free);
 * - sets any capacity at once, continuously (fractional replicas, each at `coresPerReplica`), with
 *   no start-up delay, and drains whatever backlog it finds within the second;
 * - chooses the capacity c that minimises, for a price P of one violation-second in base-size
 *   replica-seconds, c / μ + P × Pr(a second of the window needs more than c), where a second of
 *   load v needs the smallest capacity that serves it within the objective. That is the exact
 *   optimum of a known per-second distribution for each second (the Lagrangian of "fewest
 *   replica-seconds for a given number of violation-seconds"): each second gets headroom until one
 *   more replica-second avoids less than 1/P of a violation-second.
 *
 * Sweeping P traces the frontier. The seconds are then replayed through the same service model and
 * accounting as the policies (queue, drops, p95 per second; cost in base-size replica-seconds).
 * Where a trace's seconds are correlated (a burst goes on), a policy reading the newest seconds
 * knows something this planner does not (the order of the values), so it can land below the
 * frontier; where they are independent, the frontier bounds what reading them can gain.
 */
export interface FrontierOptions {
  model: ServiceModel;
  /** Cores of each of the planner's replicas: the most a policy may give one (the bridge's cap). */
  coresPerReplica: number;
  /** The planner knows the load of this many seconds before and after each second. */
  windowSeconds: number;
  /** Prices of a violation-second, in base-size replica-seconds: one frontier point each. */
  prices: readonly number[];
  /** Called now and then with the share of the trace replayed. */
  onProgress?: (fraction: number) => void;
}

export interface FrontierPoint {
  /** The price of one violation-second (base-size replica-seconds) this point was planned at. */
  pricePerViolationSecond: number;
  sloViolationSeconds: number;
  /** Base-size replica-seconds, as for the policies. */
  replicaSeconds: number;
}

const PROGRESS_EVERY = 1 << 18;

/** Prices from a quarter to 4,096 replica-seconds per violation-second, each √2 times the last (35 points). */
export const FRONTIER_PRICES: readonly number[] = Array.from({ length: 35 }, (_, i) => 0.25 * Math.SQRT2 ** i);

export function clairvoyantFrontier(rates: Float64Array, options: FrontierOptions): FrontierPoint[] {
  const { model, coresPerReplica, windowSeconds, prices } = options;
  const baseCapacity = capacityPerReplica(model);
  const replicaCapacity = capacityPerReplica(model, coresPerReplica);
  const needed = capacityNeeded(model, coresPerReplica);
  const states = prices.map(() => ({ queue: 0, violations: 0, replicaSeconds: 0, planned: 0, lastCapacity: -1, lastArrivals: -1, lastViolated: false }));
  const window = new WindowCounts();
  for (let k = 0; k <= Math.min(windowSeconds, rates.length - 1); k += 1) window.add(rates[k] as number, 1);
  let replan = true;

  for (let t = 0; t < rates.length; t += 1) {
    if (t > 0) {
      // The window gains the newest second ahead and loses the oldest one behind; on a load that
      // holds (a trace of minute or hour rows) they often cancel, and the plans stand.
      const entering = t + windowSeconds < rates.length ? (rates[t + windowSeconds] as number) : undefined;
      const leaving = t - windowSeconds - 1 >= 0 ? (rates[t - windowSeconds - 1] as number) : undefined;
      if (entering !== leaving) {
        if (entering !== undefined) window.add(entering, 1);
        if (leaving !== undefined) window.add(leaving, -1);
        replan = true;
      }
    }
    const arrivals = rates[t] as number;
    const levels = replan ? window.descending().map(([load, count]) => ({ count, capacity: needed(load), loaded: load > 0 })) : [];
    for (let index = 0; index < prices.length; index += 1) {
      const state = states[index]!;
      if (replan) state.planned = plannedCapacity(levels, window.size, prices[index]!, baseCapacity);
      const capacity = state.planned + state.queue;
      // A second like the one before, with no backlog either side, ends like it (most seconds of a
      // trace of minute or hour rows): the latency estimate need not be made again.
      if (state.queue === 0 && capacity === state.lastCapacity && arrivals === state.lastArrivals && arrivals <= capacity) {
        if (state.lastViolated) state.violations += 1;
        state.replicaSeconds += capacity / baseCapacity;
        continue;
      }
      // No capacity and no load is a quiet second (the model would read no replica as no service).
      let violated = false;
      if (capacity > 0 || arrivals > 0) {
        const second = serveSecond(model, capacity / replicaCapacity, capacity, coresPerReplica, state.queue, arrivals);
        state.queue = second.backlog;
        violated = second.violated;
      }
      if (violated) state.violations += 1;
      state.replicaSeconds += capacity / baseCapacity;
      state.lastCapacity = state.queue === 0 ? capacity : -1;
      state.lastArrivals = arrivals;
      state.lastViolated = violated;
    }
    replan = false;
    if (options.onProgress && t % PROGRESS_EVERY === 0 && t > 0) options.onProgress(t / rates.length);
  }
  return prices.map((price, index) => ({ pricePerViolationSecond: price, sloViolationSeconds: states[index]!.violations, replicaSeconds: Math.round(states[index]!.replicaSeconds) }));
}

/** What a violation budget costs the planner: one of its points, or a mix of two. */
export interface CostWithin {
  replicaSeconds: number;
  sloViolationSeconds: number;
  /**
   * Where the budget falls between two points, the planner that plans each second at the dearer
   * point's price with probability `shareOfDearer` (at the cheaper one's otherwise) spends, in
   * expectation, the mix of their costs for the budget exactly: the points of a Lagrangian sweep
   * are the corners of the frontier, and the mixes are its edges.
   */
  mix?: { cheaper: FrontierPoint; dearer: FrontierPoint; shareOfDearer: number };
}

/**
 * The least a budget of `maxViolationSeconds` costs on the frontier: the cheapest point within it,
 * or the cheapest mix of a point beyond it with one within it, landing on the budget; none where
 * no point is within it.
 */
export function costWithin(points: readonly FrontierPoint[], maxViolationSeconds: number): CostWithin | undefined {
  let best: CostWithin | undefined;
  const within = points.filter((point) => point.sloViolationSeconds <= maxViolationSeconds);
  for (const dearer of within) {
    if (best === undefined || dearer.replicaSeconds < best.replicaSeconds) best = { replicaSeconds: dearer.replicaSeconds, sloViolationSeconds: dearer.sloViolationSeconds };
    for (const cheaper of points) {
      if (cheaper.sloViolationSeconds <= maxViolationSeconds || cheaper.replicaSeconds >= dearer.replicaSeconds) continue;
      const shareOfDearer = (cheaper.sloViolationSeconds - maxViolationSeconds) / (cheaper.sloViolationSeconds - dearer.sloViolationSeconds);
      const replicaSeconds = shareOfDearer * dearer.replicaSeconds + (1 - shareOfDearer) * cheaper.replicaSeconds;
      if (replicaSeconds < best.replicaSeconds) best = { replicaSeconds, sloViolationSeconds: maxViolationSeconds, mix: { cheaper, dearer, shareOfDearer } };
    }
  }
  return best;
}

/** One load level of the window: how many of its seconds had it, and the capacity it needs. */
interface Level {
  count: number;
  capacity: number;
  loaded: boolean;
}

/**
 * The capacity minimising c / μ + price × Pr(load > what c serves) over the window's levels (highest
 * first): one of the levels' needed capacities, or none at all.
 */
function plannedCapacity(levels: readonly Level[], size: number, price: number, baseCapacity: number): number {
  if (size === 0) return 0;
  let above = 0;
  let best = Infinity;
  let bestCapacity = 0;
  for (const { count, capacity, loaded } of levels) {
    const score = capacity / baseCapacity + (price * above) / size;
    if (score < best) {
      best = score;
      bestCapacity = capacity;
    }
    if (loaded) above += count;
  }
  // No capacity at all: every second with load violates.
  return (price * above) / size < best ? 0 : bestCapacity;
}

/**
 * The smallest capacity (requests/s, replicas at `cores`) at which a second of `load` with no
 * backlog meets the objective; where no capacity can (a dependency slower than the objective),
 * the load itself: the second violates whatever is spent, so nothing more is.
 */
function capacityNeeded(model: ServiceModel, cores: number): (load: number) => number {
  const perReplica = capacityPerReplica(model, cores);
  const cache = new Map<number, number>();
  const meets = (capacity: number, load: number) => p95LatencySeconds(model, capacity / perReplica, load, 0, cores) <= model.sloP95Seconds;
  return (load) => {
    if (load <= 0) return 0;
    const known = cache.get(load);
    if (known !== undefined) return known;
    let low = load;
    let high = load * 64;
    if (!meets(high, load)) high = load;
    while (high - low > 1e-6 * load) {
      const middle = (low + high) / 2;
      if (meets(middle, load)) high = middle;
      else low = middle;
    }
    cache.set(load, high);
    return high;
  };
}

/** A multiset of per-second loads: the planner's window. */
class WindowCounts {
  private readonly counts = new Map<number, number>();
  private sorted: [number, number][] | undefined;
  size = 0;

  add(load: number, delta: 1 | -1): void {
    const count = (this.counts.get(load) ?? 0) + delta;
    if (count === 0) this.counts.delete(load);
    else this.counts.set(load, count);
    this.size += delta;
    this.sorted = undefined;
  }

  /** The distinct loads, highest first, with how many seconds had each. */
  descending(): readonly (readonly [number, number])[] {
    if (this.sorted === undefined) this.sorted = [...this.counts.entries()].sort((a, b) => b[0] - a[0]);
    return this.sorted;
  }
}
