import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../http/appDeps.js';
import { echoedValue } from '../http/echoedValue.js';
import { describeJob } from '../jobs/jobStatus.js';
import type { JobType } from '../jobs/jobTypes.js';
import { ErrorResponse, isToken, JobStatusResponse, TokenParam } from '../http/schemas.js';

/** `GET <base>/{token}/status`, the same contract for every kind of job. */
export function jobStatusRoute(app: OpenAPIHono, deps: AppDeps, type: JobType, base: string): void {
  const route = createRoute({
    method: 'get',
    path: `${base}/{token}/status`,
    summary: `Status of a ${type} job`,
    request: { params: TokenParam },
    responses: {
      200: { description: 'requested → received → finished | errored', content: { 'application/json': { schema: JobStatusResponse } } },
      404: { description: 'Unknown token', content: { 'application/json': { schema: ErrorResponse } } },
    },
  });
  app.openapi(route, async (c) => {
    const { token } = c.req.valid('param');
    const snapshot = isToken(token) ? await deps.queues.snapshot(type, token) : undefined;
    if (!snapshot) return c.json({ error: `unknown token: ${echoedValue(token)}` }, 404);
    return c.json(describeJob(snapshot), 200);
  });
}
