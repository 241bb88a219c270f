/**
 * A dependency failing, for logs that say so once rather than at every attempt: what a failure is
 * to the spell (its start, a new reason, or the same again), and how long the spell lasted when
 * it ends. Pure: the caller logs, at the level each answer calls for.
 */
export class FailureSpell {
  private current: { readonly since: number; readonly reason: string } | undefined;

  /** An attempt failed for `reason`: `started` (the first failure), `changed` (another reason than the last), or `same`. */
  failed(reason: string, now = Date.now()): 'started' | 'changed' | 'same' {
    const before = this.current;
    this.current = { since: before?.since ?? now, reason };
    if (before === undefined) return 'started';
    return before.reason === reason ? 'same' : 'changed';
  }

  /** The reason of the last failure; undefined while nothing fails. */
  get reason(): string | undefined {
    return this.current?.reason;
  }

  /** An attempt worked: how long the spell it ends lasted (ms), or undefined when nothing was failing. */
  ended(now = Date.now()): number | undefined {
    const lasted = this.current === undefined ? undefined : now - this.current.since;
    this.current = undefined;
    return lasted;
  }
}
