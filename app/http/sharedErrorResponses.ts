import type { OpenAPIHono } from '@hono/zod-openapi';

type OpenAPIObject = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/** Paths whose answers are the app's own health, never a 503 of the request itself. */
const HEALTH = new Set(['/healthz', '/readyz', '/openapi.json']);

/** Error bodies as the routes give them: `{"err_msg"}` under /messages (that seed's contract), `{"error"}` elsewhere. */
const error = (path: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${path.startsWith('/messages') ? 'ErrMsg' : 'Error'}` } } },
});

/**
 * The answers the middleware gives on any route, added to each operation of the generated
 * document where its route does not say more: 408 and 415 where a body is sent, 503 everywhere
 * but the health endpoints. The routes' own schemas say what only they answer.
 */
export function withSharedErrorResponses(document: OpenAPIObject): OpenAPIObject {
  const paths = Object.fromEntries(
    Object.entries(document.paths ?? {}).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item as Record<string, unknown>).map(([method, operation]) => {
          if (typeof operation !== 'object' || operation === null || !('responses' in operation)) return [method, operation];
          const op = operation as { requestBody?: unknown; responses: Record<string, unknown> };
          const shared: Record<string, unknown> = {};
          if (op.requestBody !== undefined) {
            shared['408'] = error(path, 'The body did not arrive within REQUEST_TIMEOUT_MS (an upload: no byte for UPLOAD_IDLE_TIMEOUT_MS); answered with Connection: close');
            shared['415'] = error(path, 'Content-Type not accepted here, or a compressed body (Content-Encoding other than identity)');
          }
          if (!HEALTH.has(path)) shared['503'] = error(path, 'Redis unreachable, or no answer within REQUEST_TIMEOUT_MS; retry later');
          return [method, { ...op, responses: { ...shared, ...op.responses } }];
        }),
      ),
    ]),
  );
  return { ...document, paths };
}
