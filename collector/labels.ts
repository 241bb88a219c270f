import { z } from 'zod';

/**
 * The Docker labels that put a container under the platform's eyes. Only containers carrying
 * `scalewright.service` are watched; the rest are the operator's business, not ours.
 */
export const Label = {
  /** Which service the container is a replica of (required to be watched). */
  service: 'scalewright.service',
  /** Port of the container's Prometheus endpoint; no port, no request metrics. */
  metricsPort: 'scalewright.metrics.port',
  /** Path of the Prometheus endpoint (default `/metrics`). */
  metricsPath: 'scalewright.metrics.path',
  /** `true` lets the scaler act on this container; absent or anything else: observe only. */
  managed: 'scalewright.managed',
  /** Optional replica name/number; else compose's or swarm's own, else the container name. */
  replica: 'scalewright.replica',
  /**
   * On a Kubernetes pod (a label or an annotation of the pod template): which of the pod's
   * containers is the replica measured, the pod's name its name. Absent: each of the pod's
   * containers is measured as a replica of its own, named `<pod>/<container>` (criDockerd.ts).
   */
  container: 'scalewright.container',
} as const;

/** Labels set by compose and swarm that name a replica. */
const replicaLabels = ['com.docker.compose.container-number', 'com.docker.swarm.task.slot'] as const;

export interface TargetLabels {
  readonly service: string;
  readonly managed: boolean;
  readonly metrics: { readonly port: number; readonly path: string } | undefined;
  readonly replica: string | undefined;
}

const portSchema = z.coerce.number().int().min(1).max(65535);

/** Reads the platform labels of one container; undefined when it is not ours to watch. */
export function parseTargetLabels(labels: Readonly<Record<string, string>>): TargetLabels | undefined {
  const service = labels[Label.service]?.trim();
  if (!service) return undefined;
  const port = portSchema.safeParse(labels[Label.metricsPort]);
  const rawPath = labels[Label.metricsPath]?.trim() || '/metrics';
  const replica = labels[Label.replica] ?? replicaLabels.map((key) => labels[key]).find((value) => value !== undefined && value !== '');
  return {
    service,
    managed: labels[Label.managed]?.trim().toLowerCase() === 'true',
    metrics: port.success ? { port: port.data, path: rawPath.startsWith('/') ? rawPath : `/${rawPath}` } : undefined,
    replica,
  };
}
