import type { Context } from 'hono';

/**
 * Whether a request's body is JSON (any case, any parameters): what tells the JSON form of /file
 * and /evensum from an upload, for the middleware (timeout, body limit) and the route alike.
 */
export const isJsonBody = (c: Context): boolean => (c.req.header('content-type') ?? '').toLowerCase().includes('json');
