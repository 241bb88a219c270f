import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { pino } from 'pino';
import type { Logger } from '../../common/logger.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.js';
import { type ContainerEvent, type ContainerSource, DockerSource, EVENT_STREAM_BACKOFF } from '../../collector/dockerSource.js';
import { parseTargetLabels } from '../../collector/labels.js';
import type { Target } from '../../collector/target.js';
import { handDrivenCollector } from './support/handDrivenCollector.js';
import { capturingLogger } from './support/runCollector.js';

/**
 * What the collector says when dockerd's event stream fails, and that its log lines keep the
 * logger's own keys to the logger. Before, a missing socket gave `docker event stream failed;
 * reconnecting` every second for as long as it lasted, without naming the socket or how to set
 * it; and the stats fallback's warning carried two `pid` keys, the collector's and the container's.
 */

const waitFor = async (condition: () => boolean, what: string, timeoutMs = 5000) => {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};


/** A Docker that lists what `listRunning` gives (and inspects from it), sends no event and has no stats. */
function dockerListing(listRunning: () => Promise<Target[]>): ContainerSource {
  return {
    listRunning,
    inspect: async (id) => (await listRunning()).find((target) => target.id === id),
    watch: () => () => undefined,
    stats: async () => ({}),
    hostName: async () => 'host-1',
    hostMemoryBytes: async () => undefined,
  };
}

/** A collector over `source` driven by hand, reading no cgroup file and writing nothing that is looked at: what is under test is what it logs. */
function collectorOn(source: ContainerSource, logger: Logger, options: { dockerStatsFallback: boolean }): Collector {
  return handDrivenCollector(source, { logger, dockerStatsFallback: options.dockerStatsFallback }).collector;
}

describe('the docker event stream, failing and back', () => {
  let folder: string;
  let socket: string;
  let server: Server | undefined;
  /** How the fake dockerd answers GET /events: with a 500, or with a stream it keeps open. */
  let answer: 'error' | 'stream' = 'error';
  const streams: ServerResponse[] = [];
  const backoff = { minMs: 40, maxMs: 320 };

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'dockerd-events-'));
    socket = join(folder, 'docker.sock');
  });
  afterAll(async () => {
    for (const stream of streams) stream.destroy();
    server?.closeAllConnections();
    server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('backs off, warns once naming the socket and its flag, again only when the reason changes, and says when it is back', async () => {
    const { logger, lines } = capturingLogger('debug');
    const source = new DockerSource({ docker: new Docker({ socketPath: socket }), network: undefined, logger, eventStreamBackoff: backoff });
    const events: ContainerEvent[] = [];
    const stop = source.watch((event) => events.push(event));
    try {
      // No socket at all, for a while.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const failures = lines.filter((line) => String(line.msg).startsWith('docker event stream'));
      expect(failures[0]).toMatchObject({
        level: 40,
        socket,
        msg: `docker event stream failed on the Docker socket ${socket} (set by --docker-socket or DOCKER_SOCKET): reconnecting with backoff`,
      });
      expect(String(failures[0]?.error)).toContain('ENOENT');
      const repeats = failures.slice(1);
      expect(repeats.length).toBeGreaterThanOrEqual(3);
      expect(repeats.every((line) => line.level === 20 && line.msg === 'docker event stream still failing')).toBe(true);
      // Each retry waits longer, up to the cap (with jitter: between half and all of 40 ms × 2^(n−1)).
      for (const line of repeats) {
        const full = Math.min(backoff.maxMs, backoff.minMs * 2 ** ((line.attempt as number) - 1));
        expect(line.retryInMs).toBeGreaterThanOrEqual(full / 2);
        expect(line.retryInMs).toBeLessThanOrEqual(full);
      }
      // At a fixed 40 ms it would have tried some 30 times in 1.2 s.
      expect(failures.length).toBeLessThanOrEqual(9);

      // The socket appears, but dockerd refuses the stream: another reason, another warning.
      server = createServer((request, response) => {
        if (!request.url?.startsWith('/events')) return void response.writeHead(404).end();
        if (answer === 'error') return void response.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"daemon is shutting down"}');
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.write('');
        streams.push(response);
      });
      server.listen(socket);
      await once(server, 'listening');
      await waitFor(() => lines.some((line) => line.msg === 'docker event stream still failing, for another reason'), 'the second warning');
      const second = lines.find((line) => line.msg === 'docker event stream still failing, for another reason');
      expect(second).toMatchObject({ level: 40, socket });
      expect(String(second?.error)).toContain('daemon is shutting down');
      expect(String(second?.previousError)).toContain('ENOENT');

      // dockerd answers: said once, and events flow.
      answer = 'stream';
      // The server has answered before the collector has read that answer: wait for the collector.
      const isBack = (line: (typeof lines)[number]) => line.msg === 'docker event stream back: following container events again';
      await waitFor(() => streams.length > 0 && lines.some(isBack), 'the event stream, and the collector told of it');
      const back = lines.filter(isBack);
      expect(back).toEqual([expect.objectContaining({ level: 30, socket })]);
      expect(back[0]?.outageSeconds).toBeGreaterThan(1);
      streams[0]?.write(`${JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'abc' } })}\n`);
      await waitFor(() => events.length > 0, 'the event');
      expect(events).toEqual([{ action: 'start', id: 'abc' }]);
      expect(lines.filter((line) => line.level === 40)).toHaveLength(2);
    } finally {
      stop();
    }
  }, 15_000);

  it('is asked for again from 1 s doubling to 30 s by default', () => {
    expect(EVENT_STREAM_BACKOFF).toEqual({ minMs: 1_000, maxMs: 30_000 });
  });

  it('stopped while it waits to retry, it stops at once and says nothing more', async () => {
    const { logger, lines } = capturingLogger('debug');
    const source = new DockerSource({ docker: new Docker({ socketPath: join(folder, 'absent.sock') }), network: undefined, logger, eventStreamBackoff: { minMs: 60_000, maxMs: 60_000 } });
    const stop = source.watch(() => undefined);
    await waitFor(() => lines.length > 0, 'the first failure');
    stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines).toHaveLength(1);
  });
});

describe('the collector\'s log lines keep the logger\'s own keys', () => {
  it('the stats fallback\'s warning names the container\'s pid as containerPid: one pid per line, the collector\'s', async () => {
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(...chunk.toString().split('\n').filter((line) => line.trim()));
        done();
      },
    });
    // The base keys createLogger gives every line (common/logger.ts).
    const logger = pino({ level: 'debug', base: { component: 'collector', pid: process.pid } }, stream);
    const labels = parseTargetLabels({ 'scalewright.service': 'web', 'scalewright.metrics.port': '9100' });
    if (!labels) throw new Error('the labels are not read');
    const target: Target = { id: 'b'.repeat(64), name: 'web-1', pid: 4242, ip: undefined, unreachable: { network: 'platform', networks: ['bridge'] }, labels, cpuLimitCores: undefined };
    const collector = collectorOn(dockerListing(async () => [target]), logger, { dockerStatsFallback: true });
    await collector.start();
    await collector.collectOnce();
    await collector.stop();

    const fallback = raw.find((line) => line.includes('cgroup files not visible'));
    expect(fallback).toBeDefined();
    expect(JSON.parse(fallback ?? '{}')).toMatchObject({ pid: process.pid, containerPid: 4242, container: 'web-1' });
    // Every line the collector wrote here (started, the fallback, the network warning, a failed scrape…).
    expect(raw.length).toBeGreaterThanOrEqual(4);
    for (const line of raw) {
      for (const key of ['pid', 'time', 'level', 'component', 'msg', 'hostname']) expect(line.split(`"${key}":`).length - 1, `${key} in ${line}`).toBeLessThanOrEqual(1);
    }
  });
});

describe('the re-listing, failing and back', () => {
  it('warns once while it fails for one reason, not every COLLECTOR_RESYNC_MS, and says when it works again', async () => {
    const { logger, lines } = capturingLogger('debug');
    let failure: string | undefined = 'connect ENOENT /var/run/docker.sock';
    const source = dockerListing(async () => {
      if (failure) throw new Error(failure);
      return [];
    });
    const collector = collectorOn(source, logger, { dockerStatsFallback: false });
    await collector.start();
    await collector.resync();
    await collector.resync();
    failure = 'connect EACCES /var/run/docker.sock';
    await collector.resync();
    failure = undefined;
    await collector.resync();
    await collector.resync();
    await collector.stop();
    const listing = lines.filter((line) => String(line.msg).startsWith('listing containers')).map((line) => [line.level, line.msg, line.error]);
    expect(listing).toEqual([
      [40, 'listing containers failed; keeping the current targets', 'connect ENOENT /var/run/docker.sock'],
      [20, 'listing containers still failing', 'connect ENOENT /var/run/docker.sock'],
      [20, 'listing containers still failing', 'connect ENOENT /var/run/docker.sock'],
      [40, 'listing containers failed; keeping the current targets', 'connect EACCES /var/run/docker.sock'],
      [30, 'listing containers works again', undefined],
    ]);
  });
});
