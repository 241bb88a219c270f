import { OpenAPIHono } from '@hono/zod-openapi';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from './http/appDeps.js';
import { documentedContentTypes, listedAlternatives } from './http/acceptedContentTypes.js';
import { boundedBody } from './http/boundedBody.js';
import { closeAfterUnreadBody } from './http/closeAfterUnreadBody.js';
import { refuseCompressedBodies } from './http/contentEncoding.js';
import { echoedValue } from './http/echoedValue.js';
import { requestDeadline } from './http/requestDeadline.js';
import { errorBody } from './http/errorBody.js';
import { notRouted } from './http/notRouted.js';
import { acceptsFormContentType } from './http/formBody.js';
import { acceptsJsonContentType, isJsonBody } from './http/jsonBody.js';
import { httpMetrics } from './http/httpMetrics.js';
import { withSharedErrorResponses } from './http/sharedErrorResponses.js';
import { describeIssues } from './http/schemas.js';
import { fileRoutes } from './routes/fileJobs.js';
import { greetingRoutes } from './routes/greeting.js';
import { healthRoutes } from './routes/health.js';
import { messageRoutes } from './routes/messages.js';
import { multivacRoutes } from './routes/multivac.js';
import { randomizeRoutes } from './routes/randomize.js';
import { RequestAnsweredLate } from './jobs/requestAnsweredLate.js';
import { isRedisUnavailable } from './store/redisClient.js';

/**
 * The workload app: every seed contract on one Hono app. Stateless: all state is behind `deps`
 * (Redis and the job queues), so any number of replicas can serve the same clients.
 */
export function createApp(deps: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(errorBody(c.req.path, describeIssues(result.error)), 400);
      return undefined;
    },
  });

  // Told the app's routes: a 405 reaches none of its path's, and is labelled with that path's template.
  app.use('*', httpMetrics(deps.registry, () => app.routes));
  // Outside the timeout and body limits below, so that it sees their 408 and 413 answers too.
  app.use('*', closeAfterUnreadBody());
  app.use('*', refuseCompressedBodies());
  // Every request but a streaming upload answers within REQUEST_TIMEOUT_MS or gives a 503, body
  // reading included: this runs before the body limits below, which read the whole body. An
  // upload has no total limit (the server's requestTimeout is off), only UPLOAD_IDLE_TIMEOUT_MS
  // between bytes, which saveUpload enforces; the JSON form of /file and /evensum is bounded here.
  // A body still arriving when the time is up is the client's delay (408), anything else the app's (503).
  // Either way the handler is told, so that a request answered so takes no effect after it.
  const ms = deps.config.REQUEST_TIMEOUT_MS;
  const requestTimeout = requestDeadline(ms, (c) =>
    bodyStillArriving(c) ? new HTTPException(408, { message: `request body not received within ${ms} ms` }) : new HTTPException(503, { message: `no answer within ${ms} ms` }),
  );
  const isUpload = (c: Context) => c.req.method === 'POST' && (c.req.path === '/file' || c.req.path === '/evensum') && !isJsonBody(c);
  app.use('*', async (c, next) => (isUpload(c) ? next() : requestTimeout(c, next)));
  const tooLarge = (limit: number) => (c: { req: { path: string }; json: (body: unknown, status: 413) => Response }) =>
    c.json(errorBody(c.req.path, `request body exceeds the limit of ${limit} bytes`), 413);
  const bodyInMemory = (accepts?: (contentType: string) => boolean) =>
    boundedBody(deps.config.JSON_BODY_LIMIT, tooLarge(deps.config.JSON_BODY_LIMIT), { accepts });
  // The bodies held in memory are read here, from the Node request, within JSON_BODY_LIMIT, and
  // parsed once by their route (see boundedBody). A Content-Type the route does not take is
  // refused before the body is read, as hono's body limit and app.openapi()'s gate did.
  app.use('/messages', bodyInMemory(acceptsJsonContentType));
  app.use('/multivac/data', bodyInMemory(acceptsFormContentType));
  // POST /randomize reads its body itself under IMAGE_BODY_LIMIT, judging its first bytes as they come (readBodyInOneBuffer).
  // Uploads to /file and /evensum are streamed to disk under UPLOAD_LIMIT by the route itself;
  // only their JSON form is held in memory, so only that is read here.
  const jsonFileRequest = bodyInMemory(acceptsJsonContentType);
  for (const path of ['/file', '/evensum']) {
    app.use(path, async (c, next) => (isJsonBody(c) ? jsonFileRequest(c, next) : next()));
  }

  greetingRoutes(app, deps);
  messageRoutes(app, deps);
  randomizeRoutes(app, deps);
  fileRoutes(app, deps);
  multivacRoutes(app, deps);
  healthRoutes(app, deps);

  const document = {
    openapi: '3.1.0',
    info: { title: 'scalewright workload app', version: '0.1.0', description: 'The seed contracts: messages, word count, even sum, randomize, MultiVAC, hello.' },
  };
  app.get('/openapi.json', (c) => c.json(withSharedErrorResponses(app.getOpenAPI31Document(document))));

  // A path the app knows, asked with a method it does not take, is a 405 that says which it takes.
  app.notFound((c) => notRouted(c, app.routes, (message) => errorBody(c.req.path, message)));
  // A 415 names the Content-Types the route takes, as /openapi.json documents them.
  const contentTypesOf = documentedContentTypes(app);
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      const accepted = status === 415 ? contentTypesOf(c.req.method, c.req.path) : [];
      const message = status === 415
        ? `Content-Type ${echoedValue(c.req.header('content-type') ?? '(none)', { quoted: true })} is not accepted by ${echoedValue(c.req.method)} ${echoedValue(c.req.path)}${accepted.length > 0 ? `, which takes ${listedAlternatives(accepted)}` : ''}; see /openapi.json`
        : error.message;
      return c.json(errorBody(c.req.path, message), status);
    }
    if (error instanceof RequestAnsweredLate) {
      // The deadline's 408 or 503 has been given. This answer comes in the same moment when the
      // enqueue was refused by that deadline (Redis not answering), and may be the one sent: the
      // same status and words. The job was not queued, or undone.
      deps.logger.debug({ method: echoedValue(c.req.method), path: echoedValue(c.req.path) }, 'request answered late: its job was not queued');
      const status = error.answer instanceof HTTPException ? (error.answer.status as ContentfulStatusCode) : 503;
      return c.json(errorBody(c.req.path, error.message), status);
    }
    if (isRedisUnavailable(error)) {
      // The outage itself is logged once per connection (outageLog); a line per refused request is detail.
      deps.logger.debug({ err: error.message, path: echoedValue(c.req.path) }, 'redis unavailable: answered 503');
      return c.json(errorBody(c.req.path, 'storage temporarily unavailable, retry later'), 503);
    }
    // A client chooses the path, kilobytes of it if it likes: log lines repeat it shortened, as answers do.
    deps.logger.error({ err: error, method: echoedValue(c.req.method), path: echoedValue(c.req.path) }, 'unhandled error');
    return c.json(errorBody(c.req.path, 'internal error'), 500);
  });
  return app;
}

/** Node's request has not received its whole body (false without a Node request: app.request in tests). */
function bodyStillArriving(c: Context): boolean {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.complete === false;
}
