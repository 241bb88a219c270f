import type { Context, MiddlewareHandler } from 'hono';
import type { HTTPException } from 'hono/http-exception';

declare module 'hono' {
  interface ContextVariableMap {
    /** Aborted once the request has been answered for running out of time (see requestDeadline). */
    answeredLate: AbortSignal;
  }
}

const NEVER_LATE = new AbortController().signal;

/**
 * Answers a request that has not finished within `ms` with `lateAnswer` (a 408 or a 503), like
 * hono/timeout, and also tells its handler: the handler goes on after the answer has gone (a
 * promise cannot be cancelled), and a client told 503 retries, so whatever the handler would still
 * do (store a blob, queue a job) must not happen. Handlers read the signal with `answeredLate(c)`
 * before each change they make, and pass it to the job queues, which undo an add that lands after it.
 */
export function requestDeadline(ms: number, lateAnswer: (c: Context) => HTTPException): MiddlewareHandler {
  return async (c, next) => {
    const late = new AbortController();
    c.set('answeredLate', late.signal);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const answer = lateAnswer(c);
        late.abort(answer);
        reject(answer);
      }, ms);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The request's "answered late" signal; one that never aborts where no deadline applies (uploads). */
export function answeredLate(c: Context): AbortSignal {
  return c.get('answeredLate') ?? NEVER_LATE;
}
