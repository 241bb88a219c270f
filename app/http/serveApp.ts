import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { listen } from '../../common/listen.js';
import { answerClientErrors, malformedRequestResponse } from './clientErrors.js';

/**
 * Serves the app, or the worker's /metrics and /healthz, over HTTP. Node's `requestTimeout` (300 s
 * by default) is turned off: it would cut a long upload that is still sending. Uploads are bounded by UPLOAD_IDLE_TIMEOUT_MS between bytes
 * instead, every other request by the app's REQUEST_TIMEOUT_MS. `headersTimeout` is set to its
 * usual 60 s: left unset, Node would make it min(60 s, requestTimeout), i.e. 0, i.e. off. Resolves
 * once it listens; a port in use rejects with one line naming it and `portFlag` (ListenError), not
 * the unhandled 'error' event, and its stack trace, it was.
 *
 * A request the app never gets to see (Node's parser refuses it, or the adapter can make no URL
 * of it) is answered in JSON like every other error (answerClientErrors, malformedRequestResponse).
 * Node's check of the Host header is left to the adapter for that, which makes the same one
 * (HTTP/1.1 without Host: 400). This is createAdaptorServer without WebSockets, plus the
 * adapter's errorHandler, which createAdaptorServer does not pass on.
 */
export async function serveApp(fetch: Parameters<typeof getRequestListener>[0], port: number, hostname: string, portFlag = '--port'): Promise<Server> {
  const server = createServer(
    { requestTimeout: 0, headersTimeout: 60_000, requireHostHeader: false },
    getRequestListener(fetch, { errorHandler: malformedRequestResponse }),
  );
  answerClientErrors(server);
  await listen(server, port, hostname, portFlag);
  return server;
}
