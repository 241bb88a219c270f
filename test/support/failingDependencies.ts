import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { inProcessRun } from './inProcessRun.js';

/**
 * A server that accepts connections and never answers: an InfluxDB that hangs (or something
 * else listening on its port), or, on a unix socket (`socketPath`), a Docker engine that does.
 * `connections` counts what reached it, `requests` the connections that sent something (an HTTP
 * client may open a spare connection it never uses); `hangUp()` closes every open connection, so
 * whatever waits on it fails at once instead of at its timeout.
 */
export interface SilentServer {
  /** `http://127.0.0.1:<port>`, or the socket's path. */
  readonly url: string;
  /** 0 on a unix socket. */
  readonly port: number;
  connections(): number;
  requests(): number;
  /** The connections still open. */
  open(): number;
  hangUp(): void;
  close(): Promise<void>;
}

export async function silentServer(options: { socketPath?: string } = {}): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let requests = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.once('data', () => (requests += 1));
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const { socketPath } = options;
  await new Promise<void>((resolve) => (socketPath ? server.listen(socketPath, resolve) : server.listen(0, '127.0.0.1', resolve)));
  const port = socketPath ? 0 : (server.address() as { port: number }).port;
  const hangUp = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: socketPath ?? `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests: () => requests,
    open: () => sockets.size,
    hangUp,
    close: () => {
      hangUp();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An InfluxDB that answers the schema setup (CREATE, ALTER, DROP, SHOW: each with an empty result)
 * and then stops answering: every other query (the SELECTs that read) and every /write waits for
 * good. `asked` lists what reached it, as `query <first word>` or `write`.
 */
export interface InfluxThatStopsAnswering {
  readonly url: string;
  asked(): string[];
  close(): Promise<void>;
}

export async function influxThatStopsAnswering(): Promise<InfluxThatStopsAnswering> {
  const asked: string[] = [];
  const server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://influx');
      if (url.pathname === '/write') return void asked.push('write');
      const query = url.searchParams.get('q') ?? new URLSearchParams(body).get('q') ?? '';
      const verb = (/^\s*(\w+)/.exec(query)?.[1] ?? '').toUpperCase();
      asked.push(`query ${verb}`);
      if (['CREATE', 'ALTER', 'DROP', 'SHOW'].includes(verb)) response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ results: [{ statement_id: 0 }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    asked: () => [...asked],
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port something already listens on (on 127.0.0.1), for the "port already in use" cases. */
export async function busyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** `inProcessRun` for the tests that read stderr and the exit code alone (stdout is kept off the test output too). */
export async function capturingStderr(run: () => Promise<unknown>): Promise<{ stderr: string; exitCode: number | string | undefined }> {
  const { stderr, exitCode } = await inProcessRun(run);
  return { stderr, exitCode };
}
