/** A route as Hono lists it (`app.routes`): middleware is registered under the method `ALL`. */
export interface ListedRoute {
  readonly method: string;
  readonly path: string;
}

/** `/messages/:digest` as a pattern for a whole request path (`:name` is one segment, `*` anything). */
function pattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  // As strict as Hono's router: `/healthz/` is not `/healthz`. A looser match here would answer
  // `GET /healthz/` with a 405 that lists GET.
  return new RegExp(`^${source}$`);
}

/** The routes with a method (not middleware) whose template matches `path`, in the order they were registered. */
function routesAt(routes: readonly ListedRoute[], path: string): ListedRoute[] {
  return routes.filter((route) => route.method !== 'ALL' && pattern(route.path).test(path));
}

/**
 * The methods some route takes at `path`, for a 405's `Allow` header: empty when no route has
 * that path (a 404). GET brings HEAD, which Hono answers with the GET route.
 */
export function allowedMethods(routes: readonly ListedRoute[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routesAt(routes, path)) {
    methods.add(route.method.toUpperCase());
    if (route.method.toUpperCase() === 'GET') methods.add('HEAD');
  }
  return [...methods].sort();
}

/**
 * The template of the route at `path` (`/messages/:digest` for `/messages/abc`), whatever its
 * method: what a 405 is about. Undefined when no route has that path.
 */
export function routeTemplate(routes: readonly ListedRoute[], path: string): string | undefined {
  return routesAt(routes, path)[0]?.path;
}
