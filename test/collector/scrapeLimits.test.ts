import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSource } from '../../collector/dockerSource.js';
import { parseTargetLabels } from '../../collector/labels.js';
import { MetricsScraper } from '../../collector/scraper.js';
import type { Target } from '../../collector/target.js';
import { handDrivenCollector } from './support/handDrivenCollector.js';

/**
 * What a replica's /metrics answer may cost the collector: a scrape ends by its deadline and its
 * size limit, whatever the replica sends. Real HTTP servers on loopback play the replicas: one that
 * answers, one that trickles a line every 100 ms for ever (each piece within the agent's body
 * timeout, so only a deadline ends it), one that streams without end, one that declares a length
 * over the limit. Before, the trickling and the endless ones were read for as long as they went on,
 * and held every collection pass, all containers', with them.
 */

const exposition = '# TYPE http_requests_total counter\nhttp_requests_total{route="/",status="200"} 42\n';
const timeoutMs = 300;
const maxBytes = 64 * 1024;

/** The replicas, by path. */
const replicas: Record<string, (response: ServerResponse) => void> = {
  '/answers': (response) => response.end(exposition),
  '/answers-chunked': (response) => {
    response.write(exposition);
    response.end('# and more, without a length\n');
  },
  '/trickles': (response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    const line = setInterval(() => response.write('# still here\n'), 100);
    response.on('close', () => clearInterval(line));
  },
  '/streams-without-end': (response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    const block = Buffer.alloc(16 * 1024, '#');
    const more = () => {
      while (!response.destroyed && response.write(block));
    };
    response.on('drain', more);
    more();
  },
  '/never-answers': () => undefined,
  '/declares-too-much': (response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(maxBytes + 1) });
    response.end(Buffer.alloc(maxBytes + 1, '#'));
  },
};

let server: Server;
let port: number;
const scraper = new MetricsScraper(timeoutMs, maxBytes);

beforeAll(async () => {
  server = createServer((request, response) => (replicas[request.url ?? ''] ?? ((r: ServerResponse) => r.writeHead(404).end()))(response));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  scraper.close();
  server.closeAllConnections();
  server.close();
});

describe('a scrape', () => {
  it('reads an answer framed by its length, or chunked without one, whole', async () => {
    expect(await scraper.scrape('127.0.0.1', port, '/answers', scraper.passDeadline())).toBe(exposition);
    expect(await scraper.scrape('127.0.0.1', port, '/answers-chunked', scraper.passDeadline())).toBe(`${exposition}# and more, without a length\n`);
  });

  it('ends by its deadline when the answer keeps trickling, each piece within the body timeout', async () => {
    await expect(scraper.scrape('127.0.0.1', port, '/trickles', scraper.passDeadline())).rejects.toThrow(`/trickles not answered in full within ${timeoutMs} ms`);
  });

  it('ends by its deadline when no answer comes, and says so as for a trickle', async () => {
    await expect(scraper.scrape('127.0.0.1', port, '/never-answers', scraper.passDeadline())).rejects.toThrow(`/never-answers not answered in full within ${timeoutMs} ms`);
  });

  it('ends once an answer without a length passes the size limit', async () => {
    await expect(scraper.scrape('127.0.0.1', port, '/streams-without-end', scraper.passDeadline())).rejects.toThrow(`/metrics larger than ${maxBytes} bytes`);
  });

  it('is refused when the answer declares a length over the limit', async () => {
    await expect(scraper.scrape('127.0.0.1', port, '/declares-too-much', scraper.passDeadline())).rejects.toThrow(`/metrics larger than ${maxBytes} bytes`);
  });

  it('shares its pass\'s deadline with any number of other scrapes, without Node\'s listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const deadline = scraper.passDeadline();
      const answers = await Promise.all(Array.from({ length: 25 }, () => scraper.scrape('127.0.0.1', port, '/answers', deadline)));
      expect(answers).toEqual(Array(25).fill(exposition));
      // Node emits its warnings on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });

  it('names the status of an answer that is not 200', async () => {
    await expect(scraper.scrape('127.0.0.1', port, '/nowhere', scraper.passDeadline())).rejects.toThrow('GET /nowhere answered 404');
  });
});

describe('a collection pass', () => {
  it('is not held by a replica whose answer never ends: the others are written, it is written as down', async () => {
    const targetAt = (path: string): Target => {
      const labels = parseTargetLabels({ 'scalewright.service': 'web', 'scalewright.metrics.port': String(port), 'scalewright.metrics.path': path });
      if (!labels) throw new Error('the labels are not read');
      return { id: path.slice(1).padEnd(64, '0'), name: `web${path}`, pid: 0, ip: '127.0.0.1', labels, cpuLimitCores: undefined };
    };
    const targets = ['/answers', '/trickles', '/streams-without-end'].map(targetAt);
    const source: ContainerSource = {
      listRunning: async () => targets,
      inspect: async (id) => targets.find((target) => target.id === id),
      watch: () => () => undefined,
      stats: async () => ({}),
      hostName: async () => 'host-1',
      hostMemoryBytes: async () => undefined,
    };
    // No cgroup to read: this pass is about the scrapes.
    const { collector, lines } = handDrivenCollector(source, { scraper });
    await collector.start();
    try {
      expect((await collector.collectOnce(new Date(0))).targets).toBe(3);
    } finally {
      await collector.stop();
    }
    const scrapeUp = (name: string) => lines.find((line) => line.startsWith('container_requests') && line.includes(`container=${name},`))?.match(/scrape_up=(\d)i/)?.[1];
    expect(scrapeUp('web/answers')).toBe('1');
    expect(scrapeUp('web/trickles')).toBe('0');
    expect(scrapeUp('web/streams-without-end')).toBe('0');
  });
});
