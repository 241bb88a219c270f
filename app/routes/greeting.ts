import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../http/appDeps.js';
import { answeredLate } from '../http/requestDeadline.js';
import { errorBody } from '../http/errorBody.js';
import { describeIssues, ErrorResponse } from '../http/schemas.js';

const USER_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

const HelloQuery = z.object({ user: z.string().regex(USER_PATTERN, 'user must be 1-64 characters of A-Z a-z 0-9 . _ @ -').optional() });
const HelloHeaders = z.object({ 'x-user-id': z.string().regex(USER_PATTERN, 'X-User-Id must be 1-64 characters of A-Z a-z 0-9 . _ @ -').optional() });

const Hello = createRoute({
  method: 'get',
  path: '/',
  summary: 'Hello world, counting requests per user',
  description:
    'The user is the `user` query parameter, else the `X-User-Id` header, else `anonymous`. The body is `Hello world!`; the count is in the `X-Request-Count` header, or in the JSON body when the client asks for `application/json`.',
  request: { query: HelloQuery, headers: HelloHeaders },
  responses: {
    200: {
      description: 'Greeting',
      content: {
        'text/plain': { schema: z.string().openapi({ example: 'Hello world!' }) },
        'application/json': { schema: z.object({ message: z.string(), user: z.string(), count: z.number().int() }) },
      },
    },
    400: { description: 'Bad user id', content: { 'application/json': { schema: ErrorResponse } } },
  },
});

const Counters = createRoute({
  method: 'get',
  path: '/counters',
  summary: 'Every user’s request counter',
  responses: { 200: { description: 'Counters by user', content: { 'application/json': { schema: z.object({ counters: z.record(z.string(), z.number().int()) }) } } } },
});

export function greetingRoutes(app: OpenAPIHono, deps: AppDeps): void {
  // Documented like every route, but served by a plain one that validates the one query parameter
  // and the one header it reads: app.openapi()'s validators hand the schemas every query parameter
  // and every header, and gathering the headers into an object cost 4% of GET /'s CPU samples.
  // The schemas judge the same values (a parameter given twice is an array, repeated headers are
  // joined with ", "), the query first, so the answers are the same.
  app.openAPIRegistry.registerPath(Hello);
  app.get('/', async (c) => {
    const users = c.req.queries('user');
    const query = HelloQuery.safeParse(users === undefined ? {} : { user: users.length === 1 ? users[0] : users });
    if (!query.success) return c.json(errorBody(c.req.path, describeIssues(query.error)), 400);
    const header = c.req.header('x-user-id');
    const headers = HelloHeaders.safeParse(header === undefined ? {} : { 'x-user-id': header });
    if (!headers.success) return c.json(errorBody(c.req.path, describeIssues(headers.error)), 400);
    const user = query.data.user ?? headers.data['x-user-id'] ?? 'anonymous';
    // A request already answered 503 (its client told it failed) does not count.
    const count = await deps.visits.hit(user, answeredLate(c));
    c.header('X-User', user);
    c.header('X-Request-Count', String(count));
    if ((c.req.header('accept') ?? '').includes('application/json')) return c.json({ message: 'Hello world!', user, count }, 200);
    return c.text('Hello world!', 200);
  });

  app.openapi(Counters, async (c) => c.json({ counters: await deps.visits.all() }, 200));
}
