import type { OpenAPIHono } from '@hono/zod-openapi';

/**
 * The Content-Types each route's request body is documented with in /openapi.json, by method and
 * path: what a 415 names as the ones the route takes, so that its message and the document cannot
 * disagree. Read once the routes are registered. The routes that take a body have no path
 * parameters, so a request's path is the documented one.
 */
export function documentedContentTypes(app: OpenAPIHono): (method: string, path: string) => readonly string[] {
  const byRoute = new Map<string, string[]>();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const content = definition.route.request?.body?.content;
    if (content) byRoute.set(`${definition.route.method.toUpperCase()} ${definition.route.path}`, Object.keys(content));
  }
  return (method, path) => byRoute.get(`${method} ${path}`) ?? [];
}

/** `a`, `a or b`, `a, b or c`. */
export function listedAlternatives(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
