import { createRoute, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppDeps } from '../http/appDeps.js';
import { echoedValue } from '../http/echoedValue.js';
import { ErrorResponse, isToken, ResultNotFoundResponse, TokenParam } from '../http/schemas.js';
import { describeJob } from '../jobs/jobStatus.js';
import type { JobType } from '../jobs/jobTypes.js';

/** A response's content as a route declares it: media type → schema. */
type MediaContent = NonNullable<Exclude<RouteConfig['responses'][string], { $ref: string }>['content']>;

export interface JobResultSpec {
  type: JobType;
  base: string;
  summary: string;
  /** The 200's content, as /openapi.json documents it. */
  content: MediaContent;
  /** Answers a finished job's result; undefined when it is no longer kept (removed after RESULT_TTL_SECONDS). */
  answer: (c: Context, token: string, result: unknown) => Promise<Response | undefined> | Response | undefined;
}

/**
 * `GET <base>/{token}/result`, the same contract for every kind of job. A job without a result
 * says why, with the words its status uses: a 404 for a token the app does not know and for a
 * job not finished yet (both carry the seed's `"message": "not found"` beside the `error` every
 * error body has), a 409 for a job that errored, carrying its error: asking again will not help.
 */
export function jobResultRoute(app: OpenAPIHono, deps: AppDeps, spec: JobResultSpec): void {
  const route = createRoute({
    method: 'get',
    path: `${spec.base}/{token}/result`,
    summary: spec.summary,
    request: { params: TokenParam },
    responses: {
      200: { description: 'The result', content: spec.content },
      404: {
        description: 'Unknown token (its job and result are removed RESULT_TTL_SECONDS after it ends), a job not finished yet, or a finished job whose result is no longer kept: `message` is "not found" (the seed\'s contract), `error` says which',
        content: { 'application/json': { schema: ResultNotFoundResponse } },
      },
      409: { description: 'The job errored, so it has no result: `error` carries the job\'s error, as its status shows it', content: { 'application/json': { schema: ErrorResponse } } },
    },
  });
  app.openapi(route, async (c) => {
    const { token } = c.req.valid('param');
    const notFound = (error: string) => c.json({ error, message: 'not found' as const }, 404);
    const snapshot = isToken(token) ? await deps.queues.snapshot(spec.type, token) : undefined;
    if (!snapshot) return notFound(`unknown token: ${echoedValue(token)}`);
    const job = describeJob(snapshot);
    if (job.status === 'errored') return c.json({ error: `the job errored, so it has no result: ${job.error}` }, 409);
    if (job.status !== 'finished') return notFound(`the job has not finished yet: its status is "${job.status}"`);
    const answer = await spec.answer(c, token, snapshot.result);
    return (answer ?? notFound('the job finished, but its result is no longer kept')) as never;
  });
}
