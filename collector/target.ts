import type { TargetLabels } from './labels.js';

/** A running container the collector watches, as discovered through the Docker Engine API. */
export interface Target {
  readonly id: string;
  /** Container name without Docker's leading slash. */
  readonly name: string;
  readonly pid: number;
  /** Address on a network the collector can reach, for /metrics. */
  readonly ip: string | undefined;
  /**
   * Why there is no address (`ip` undefined): the container is not on the network asked for
   * (`--network`), or, with none asked for, has an address on none. `networks`: those it is on.
   */
  readonly unreachable?: { readonly network: string | undefined; readonly networks: readonly string[] };
  readonly labels: TargetLabels;
  /** CPU limit from the container's HostConfig (NanoCpus or quota/period): for the stats fallback. */
  readonly cpuLimitCores: number | undefined;
}

export function replicaOf(target: Target): string {
  return target.labels.replica ?? target.name;
}
