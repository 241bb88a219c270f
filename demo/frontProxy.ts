import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Where a replica answers. */
export interface Upstream {
  id: string;
  host: string;
  port: number;
}

/**
 * Where the proxy sends: the replicas that pass their healthcheck, or, when none does, every one
 * that is running and past its start-up (Envoy's panic routing). A replica too busy to answer its
 * healthcheck in time (one 0.1-CPU replica in a spike) still answers requests, slowly; refusing
 * every request instead would turn an overload into an outage.
 */
export function proxyUpstreams<T extends Upstream>(replicas: { serving: readonly T[]; reachable: readonly T[] }): T[] {
  return [...(replicas.serving.length > 0 ? replicas.serving : replicas.reachable)];
}

/**
 * The demo's front proxy: round-robin over the replicas that are serving right now (the list is
 * refreshed from Docker by the caller), with one retry on another replica when a connection is
 * refused or reset, which is what happens to a request that races a replica being drained. In
 * the compose stack nginx plays this part; the demo keeps it in-process so it needs only Docker.
 */
export class FrontProxy {
  private upstreams: Upstream[] = [];
  private next = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private server: Server | undefined;
  retried = 0;

  setUpstreams(upstreams: Upstream[]): void {
    this.upstreams = upstreams;
  }

  get size(): number {
    return this.upstreams.length;
  }

  async listen(port = 0): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server?.listen(port, '127.0.0.1', done));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private pick(exclude?: string): Upstream | undefined {
    const candidates = this.upstreams.filter((upstream) => upstream.id !== exclude);
    if (candidates.length === 0) return undefined;
    this.next = (this.next + 1) % candidates.length;
    return candidates[this.next];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const first = this.pick();
    if (!first) {
      res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"error":"no replica serving"}');
      return;
    }
    try {
      await this.forward(first, req, body, res);
    } catch {
      const second = this.pick(first.id);
      this.retried += 1;
      if (!second) {
        res.writeHead(502, { 'Content-Type': 'application/json' }).end('{"error":"replica unreachable"}');
        return;
      }
      await this.forward(second, req, body, res).catch(() => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' }).end('{"error":"replica unreachable"}');
      });
    }
  }

  /** Rejects only when nothing was sent to the client yet, so a retry is safe. */
  private forward(upstream: Upstream, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: `${upstream.host}:${upstream.port}` }, agent: this.agent, timeout: 15_000 },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => resolve());
          answer.on('error', () => resolve());
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('upstream timeout')));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}
