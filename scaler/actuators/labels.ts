import { Label } from '../../collector/labels.js';

/**
 * Labels the actuators read and write. The collector's labels decide what belongs to a service
 * (`scalewright.service`) and whether the scaler may act on it (`scalewright.managed=true`); a
 * container without both is never touched. The actuator adds its own marks to the replicas it
 * creates, so that a restarted scaler can tell its own half-made leftovers from the operator's
 * containers.
 */
export const ActuatorLabel = {
  service: Label.service,
  managed: Label.managed,
  replica: Label.replica,
  /** `true` on replicas the scaler created (clones); only these are ever cleaned up as leftovers. */
  createdByScaler: 'scalewright.scaler.created',
  /** Name of the container a clone was copied from (for people reading `docker inspect`). */
  cloneOf: 'scalewright.scaler.clone-of',
} as const;

/** Suffix given to a replica being removed: a scaler that died mid-removal finishes the job on restart. */
export const DRAINING_SUFFIX = '-draining';

/** Docker label filters (`key=value` or `key`) that select the managed members of `service`. */
export function managedLabelFilters(service: string | undefined, requireLabel: string | undefined): string[] {
  return [service === undefined ? ActuatorLabel.service : `${ActuatorLabel.service}=${service}`, `${ActuatorLabel.managed}=true`, ...(requireLabel ? [requireLabel] : [])];
}

const COMPOSE_ONE_OFF = 'com.docker.compose.oneoff';

/** True when the labels carry the platform marks the actuators need before touching anything (and are not a compose one-off's). */
export function isManaged(labels: Readonly<Record<string, string>> | undefined, requireLabel?: string): boolean {
  if (!labels) return false;
  if (!labels[ActuatorLabel.service]?.trim() || labels[ActuatorLabel.managed]?.trim().toLowerCase() !== 'true') return false;
  // `docker compose run` makes a one-off container of a service, with its labels and another
  // command (a migration, a shell): not a replica to count, copy or remove.
  if (labels[COMPOSE_ONE_OFF]?.toLowerCase() === 'true') return false;
  if (!requireLabel) return true;
  const [key, value] = splitLabel(requireLabel);
  return value === undefined ? key in labels : labels[key] === value;
}

function splitLabel(label: string): [string, string | undefined] {
  const at = label.indexOf('=');
  return at < 0 ? [label, undefined] : [label.slice(0, at), label.slice(at + 1)];
}
