import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps } from '../http/appDeps.js';
import { requestBodySource } from '../http/requestBodySource.js';
import { ErrorResponse, TokenResponse } from '../http/schemas.js';
import { confinedPath } from '../files/confinedPath.js';
import { saveUpload } from '../files/streamedUpload.js';
import { newToken } from '../jobs/jobQueues.js';
import type { FileSource, JobResults } from '../jobs/jobTypes.js';
import { jobResultRoute, type JobResultSpec } from './jobResultRoute.js';
import { jobStatusRoute } from './jobStatusRoute.js';
import { answeredLate } from '../http/requestDeadline.js';
import { isJsonBody, parseJsonRequest } from '../http/jsonBody.js';
import { requestBody } from '../http/boundedBody.js';

const PathRequest = z.object({ path: z.string().min(1).openapi({ example: 'kjvbible.txt', description: 'relative to DATA_DIR' }) }).openapi('FilePathRequest');
const binary = z.string().openapi({ type: 'string', format: 'binary' });

interface FileJobSpec {
  type: 'wordcount' | 'evensum';
  base: string;
  summary: string;
  /** The result's content, as /openapi.json documents it. */
  resultContent: JobResultSpec['content'];
}

/**
 * A file job takes its input either as `{"path": ...}` under DATA_DIR or as the raw request body
 * (`text/plain` or `application/octet-stream`), which is streamed to UPLOAD_DIR first.
 */
function fileJobRoutes(app: OpenAPIHono, deps: AppDeps, spec: FileJobSpec, readResult: JobResultSpec['answer']): void {
  const submit = createRoute({
    method: 'post',
    path: spec.base,
    summary: spec.summary,
    request: {
      body: {
        // Not `required`: with it the router would validate every body as JSON, uploads included.
        // An upload without a byte of body is refused by the upload path instead (400).
        required: false,
        content: { 'application/json': { schema: PathRequest }, 'text/plain': { schema: binary }, 'application/octet-stream': { schema: binary } },
      },
    },
    responses: {
      201: { description: 'Accepted; poll the status with the token', content: { 'application/json': { schema: TokenResponse } } },
      400: { description: 'Bad path or JSON body, or an empty upload (no body, Content-Length: 0, or a chunked body of no bytes): no file is kept and no job queued', content: { 'application/json': { schema: ErrorResponse } } },
      403: { description: 'Path leads outside DATA_DIR', content: { 'application/json': { schema: ErrorResponse } } },
      404: { description: 'No such file under DATA_DIR', content: { 'application/json': { schema: ErrorResponse } } },
      408: { description: 'Upload stalled: no bytes for UPLOAD_IDLE_TIMEOUT_MS; answered with Connection: close', content: { 'application/json': { schema: ErrorResponse } } },
      413: { description: 'Upload over UPLOAD_LIMIT; answered with Connection: close', content: { 'application/json': { schema: ErrorResponse } } },
      415: {
        description: 'No Content-Type, whatever the body (refused from the headers, before the body is read), or one other than application/json, text/plain and application/octet-stream; or a compressed body (Content-Encoding other than identity)',
        content: { 'application/json': { schema: ErrorResponse } },
      },
      507: { description: 'Disk full during upload', content: { 'application/json': { schema: ErrorResponse } } },
    },
  });

  /** Queues the job of an accepted request. */
  const enqueueJob = async (c: Context, token: string, source: FileSource, bytes: number): Promise<void> => {
    try {
      await deps.queues.enqueueFileJob(spec.type, source, bytes, token, answeredLate(c));
    } catch (error) {
      // No job (Redis away: a 503), so nobody else would ever remove the upload.
      if (source.kind === 'upload') await rm(join(deps.config.UPLOAD_DIR, source.file), { force: true }).catch(() => undefined);
      throw error;
    }
  };

  // The JSON form is answered here, from the body boundedBody has read, parsed once (as POST
  // /messages), instead of by app.openapi()'s JSON validator reading it again through the Web
  // Request. Uploads go on to the documented route below, whose validators leave their body
  // unread: its gate judges their Content-Type (415) and its JSON validator takes no other.
  // A request without a Content-Type is refused here, from its headers, whatever its body: the
  // gate would read a copy of the body through the Web Request to learn whether there is one (and
  // wait for ever on a body that does not come, an upload having no REQUEST_TIMEOUT_MS), and
  // let one without a byte through as an upload of nothing. The 415 is answered as boundedBody's.
  app.post(spec.base, async (c, next) => {
    if (!c.req.header('content-type')) throw new HTTPException(415);
    if (!isJsonBody(c)) return next();
    const request = parseJsonRequest(c.req.header('content-type'), requestBody(c), PathRequest);
    if (!request.ok) {
      // A 415 says which Content-Type was refused; the app's error handler words it for every route.
      if (request.status === 415) throw new HTTPException(415);
      return c.json({ error: request.message }, 400);
    }
    const found = await confinedPath(deps.config.DATA_DIR, request.value.path);
    if (!found.ok) return c.json({ error: found.reason }, found.status);
    const token = newToken();
    await enqueueJob(c, token, { kind: 'data', path: found.relative }, found.bytes);
    return c.json({ token }, 201);
  });

  app.openapi(submit, async (c) => {
    const token = newToken();
    const saved = await saveUpload(requestBodySource(c), deps.config.UPLOAD_DIR, `${token}.upload`, deps.config.UPLOAD_LIMIT, deps.config.UPLOAD_IDLE_TIMEOUT_MS);
    if (!saved.ok) return c.json({ error: saved.reason }, saved.status);
    await enqueueJob(c, token, { kind: 'upload', file: saved.file, bytes: saved.bytes }, saved.bytes);
    return c.json({ token }, 201);
  });

  jobStatusRoute(app, deps, spec.type, spec.base);

  jobResultRoute(app, deps, { type: spec.type, base: spec.base, summary: `Result of a ${spec.type} job`, content: spec.resultContent, answer: readResult });
}

export function fileRoutes(app: OpenAPIHono, deps: AppDeps): void {
  fileJobRoutes(
    app,
    deps,
    { type: 'wordcount', base: '/file', summary: 'Count the words of a file (a job); the result file lands in OUTPUT_DIR', resultContent: { 'text/plain': { schema: binary } } },
    async (c, _token, value) => {
      const result = value as JobResults['wordcount'];
      const file = join(deps.config.OUTPUT_DIR, result.output);
      // The result file may have been swept after RESULT_TTL_SECONDS, before the job's record.
      if (!(await stat(file).catch(() => undefined))?.isFile()) return undefined;
      c.header('Content-Type', 'text/plain; charset=utf-8');
      c.header('X-Output-File', result.output);
      return c.body(Readable.toWeb(createReadStream(file)) as unknown as ReadableStream, 200);
    },
  );
  fileJobRoutes(
    app,
    deps,
    {
      type: 'evensum',
      base: '/evensum',
      summary: 'Sum the even integers of a file (a job), exactly',
      resultContent: { 'application/json': { schema: z.object({ sum: z.string().openapi({ example: '1234' }), evenCount: z.number().int(), bytes: z.number().int() }) } },
    },
    (c, _token, value) => c.json(value as JobResults['evensum'], 200),
  );
}
