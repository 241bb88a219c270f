import { Agent, request } from 'node:http';

/**
 * Fetches replicas' /metrics over plain HTTP with kept-alive connections: at one scrape per
 * replica per second, reconnecting each time would cost more than the scrape.
 */
export class MetricsScraper {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, timeout: 30_000 });

  constructor(
    private readonly timeoutMs: number,
    private readonly maxBytes = 4 * 1024 * 1024,
  ) {}

  scrape(host: string, port: number, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request({ host, port, path, agent: this.agent, headers: { Accept: 'text/plain;version=0.0.4' }, timeout: this.timeoutMs }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`GET ${path} answered ${res.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBytes) {
            req.destroy(new Error(`/metrics larger than ${this.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`scrape timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
