import { z } from '@hono/zod-openapi';

/** Schemas shared by several routes; each validates requests and documents them in /openapi.json. */
export const TokenParam = z.object({
  token: z.string().openapi({ param: { name: 'token', in: 'path' }, example: 'b27f6016f9cf46a6baaddf09d2e5b221', description: '32 hex characters' }),
});

export const TokenResponse = z.object({ token: z.string().regex(/^[0-9a-f]{32}$/).openapi({ example: 'b27f6016f9cf46a6baaddf09d2e5b221' }) }).openapi('Token');

export const JobStatusResponse = z
  .object({
    status: z.enum(['requested', 'received', 'finished', 'errored']),
    error: z.string().optional(),
    progress: z.object({ bytesDone: z.number().int(), bytesTotal: z.number().int() }).optional(),
    attempts: z.number().int().optional(),
  })
  .openapi('JobStatus');

export const ErrorResponse = z.object({ error: z.string() }).openapi('Error');
/**
 * A job's result that is not there (unknown token, or not finished yet): the seed's `"message":
 * "not found"`, kept for its clients, beside the `error` every error body has, which says which.
 */
export const ResultNotFoundResponse = z.object({ error: z.string(), message: z.literal('not found') }).openapi('ResultNotFound');
export const ErrMsgResponse = z.object({ err_msg: z.string() }).openapi('ErrMsg');

export const isToken = (value: string): boolean => /^[0-9a-f]{32}$/.test(value);

/** One line naming each field that failed and why, e.g. `message: expected string, received number`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
