import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Counter, type Registry } from 'prom-client';
import { listen } from '../../common/listen.js';
import { answerClientErrors, malformedRequestResponse } from './clientErrors.js';
import { lingerBeforeClosing } from './lingeringClose.js';
import { hostFieldChecked } from './hostField.js';
import { hostOptionalBeforeHttp11 } from './ownAuthority.js';

/**
 * How long the head of a request (its request line and headers) may take to arrive, unless
 * ServeOptions says otherwise. On a new connection Node counts it from the accept, not from the
 * first byte, so a connection that never sends one is answered 408 and closed as a late head is:
 * silence holds no socket for longer, and needs no timer of the app's. It is counted apart, as an
 * idle connection, not a malformed request (answerClientErrors).
 */
export const HEADERS_TIMEOUT_MS = 60_000;

/**
 * How often Node looks for requests whose head is late (`connectionsCheckingInterval`): it has no
 * timer per request, so a late head is answered 408 up to this long after `headersTimeout`. Node's
 * 30 s made that 60-90 s after the request began. Each check walks, in C++, only the connections
 * with a request under way, and 1 s keeps the 408 within a second of its due time for that cost.
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/**
 * Serves the app, or the worker's /metrics and /healthz, over HTTP. Node's `requestTimeout` (300 s
 * by default) is turned off: it would cut a long upload that is still sending. Uploads are bounded
 * by UPLOAD_IDLE_TIMEOUT_MS between bytes instead, every other request by the app's
 * REQUEST_TIMEOUT_MS. `headersTimeout` is set to its usual 60 s: left unset, Node would make it
 * min(60 s, requestTimeout), i.e. 0, i.e. off. Resolves once it listens; a port in use rejects with
 * one line naming it and `portFlag` (ListenError), not the unhandled 'error' event, and its stack
 * trace, it was.
 *
 * A request the app never gets to see (Node's parser refuses it, or the adapter can make no URL
 * of it) is answered in JSON like every other error (answerClientErrors, malformedRequestResponse).
 * Node's check of the Host header is left to the adapter for that, which makes the same one
 * (HTTP/1.1 without Host: 400), and would refuse HTTP/1.0 without Host too, which is valid: such a
 * request is addressed to the server's own authority instead (hostOptionalBeforeHttp11). Neither
 * refuses several Host lines, which HTTP requires of the server, nor names an empty Host as such:
 * hostFieldChecked does, before either. This is createAdaptorServer without WebSockets, plus the
 * adapter's errorHandler, which createAdaptorServer does not pass on.
 */
export async function serveApp(fetch: Parameters<typeof getRequestListener>[0], port: number, hostname: string, options: ServeOptions = {}): Promise<Server> {
  const refused = options.registry ? malformedRequestsCounter(options.registry) : undefined;
  const count = (status: number) => refused?.inc({ status: String(status) });
  const errorHandler = (error: unknown) => {
    const response = malformedRequestResponse(error);
    count(response.status);
    return response;
  };
  const server = createServer(
    {
      requestTimeout: 0,
      headersTimeout: options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
      requireHostHeader: false,
    },
    hostFieldChecked(hostOptionalBeforeHttp11((defaultAuthority) => getRequestListener(fetch, { hostname: defaultAuthority, errorHandler })), count),
  );
  // Every connection Node ends after an answer ends with a lingering close, whichever answer it was
  // (the app's, the adapter's, the Host check's, an unmet Expect's): the client still sending a
  // refused body reads the answer instead of meeting a reset.
  server.on('connection', lingerBeforeClosing);
  const idleClosed = options.registry ? idleConnectionsCounter(options.registry) : undefined;
  answerClientErrors(server, count, () => idleClosed?.inc());
  await listen(server, port, hostname, options.portFlag ?? '--port');
  return server;
}

export interface ServeOptions {
  /** The flag that set the port, named when it is in use. */
  portFlag?: string;
  /** Where the requests refused before routing are counted (they never reach the app's RED metrics). */
  registry?: Registry;
  /** `headersTimeout`, HEADERS_TIMEOUT_MS unless given: tests shorten it to see a late head answered. */
  headersTimeoutMs?: number;
}

/**
 * Requests answered before any route sees them: a malformed request, a head too large or late, an
 * unmet Expect. Counted apart from `http_requests_total`: they have no route, and often no method.
 */
function malformedRequestsCounter(registry: Registry): Counter<'status'> {
  return new Counter({ name: 'http_malformed_requests_total', help: 'HTTP requests refused before routing (malformed, head too large or late, unmet Expect)', labelNames: ['status'], registers: [registry] });
}

/**
 * Connections closed, with a 408, for sending no byte within headersTimeout of their accept: a
 * browser's speculative preconnect, a pool's spare connection. They made no request, so they are
 * not counted as malformed ones; counted here, a rise still shows up (many idle connections held
 * to the timeout, or a client opening them in a loop).
 */
function idleConnectionsCounter(registry: Registry): Counter {
  return new Counter({ name: 'http_idle_connections_closed_total', help: 'HTTP connections closed (408) for sending no byte within headersTimeout of their accept, such as a browser preconnect', registers: [registry] });
}
