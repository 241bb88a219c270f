import type { Context } from 'hono';
import { allowedMethods, type ListedRoute } from './allowedMethods.js';
import { echoedValue } from './echoedValue.js';

/**
 * The answer to a request no route takes (Hono's `notFound`), in JSON: a path a route has, asked
 * with a method it does not take, is a 405 with `Allow` naming the ones it takes; any other path a
 * 404. `body` shapes the message as the server's error bodies are (`{"error": …}`, or the app's
 * `errorBody`); `servedHint` follows the 404's message (what the port serves, where that helps).
 */
export function notRouted(c: Context, routes: readonly ListedRoute[], body: (message: string) => Record<string, string>, servedHint = ''): Response {
  const allowed = allowedMethods(routes, c.req.path);
  const [method, path] = [echoedValue(c.req.method), echoedValue(c.req.path)];
  if (allowed.length === 0) return c.json(body(`no route for ${method} ${path}${servedHint}`), 404);
  c.header('Allow', allowed.join(', '));
  return c.json(body(`${method} is not allowed on ${path}; it takes ${allowed.join(', ')}`), 405);
}
