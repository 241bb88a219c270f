import { DependencyTimeoutError, DependencyUnreachableError, type Unanswered } from '../../common/unanswered.js';

/** The settings an operator changes to give the platform more (or less) time, as they name them. */
export const PLATFORM_TIMEOUT_SETTING = '--platform-timeout, SCALER_PLATFORM_TIMEOUT_SECONDS';
/** A Docker stop is silent while the replica drains, so its deadline is the sum of both. */
export const PLATFORM_STOP_TIMEOUT_SETTING = '--platform-timeout + --drain, SCALER_PLATFORM_TIMEOUT_SECONDS + SCALER_DRAIN_SECONDS';

/**
 * What a failed platform request becomes: past its deadline (`timedOut`, known from the deadline's
 * own signal, since the libraries' errors do not say: docker-modem's socket timeout and an abort
 * both end as a bare "socket hang up" or "aborted"), one line naming the dependency, the request,
 * the deadline and its setting; a failure to reach it, the same without the deadline; an answer
 * (an HTTP status, which the caller reads), unchanged. The library's error stays as `cause`.
 */
export function platformRequestFailure(error: unknown, request: Unanswered & { readonly timedOut: boolean }): unknown {
  const { timedOut, ...unanswered } = request;
  if (timedOut) return new DependencyTimeoutError(unanswered, error);
  if (error instanceof Error && !answered(error)) return new DependencyUnreachableError(unanswered.dependency, unanswered.request, error);
  return error;
}

/** docker-modem sets `statusCode` on the errors it makes from an answer (404, 409, 500, …). */
function answered(error: Error): boolean {
  return typeof (error as Error & { statusCode?: unknown }).statusCode === 'number';
}
