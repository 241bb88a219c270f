import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSource } from '../../collector/dockerSource.js';
import { type SilentServer, silentServer } from '../support/failingDependencies.js';
import { waitUntil } from '../support/processes.js';
import { capturingLogger } from './support/runCollector.js';


/**
 * Every request the collector makes to dockerd has a deadline: a dockerd that takes a request and
 * never answers held the collector's start, each re-listing, and, through the stats fallback,
 * every collection pass, all containers', with it; asked for the event stream, it waited for good
 * and never asked again. The engine here is a unix socket that accepts and never answers, reached through the real dockerode and its modem, as the collector reaches
 * dockerd. Real dockerd's answers come within it: liveCollection.test.ts, dockerStatsFallback.test.ts.
 */

let folder: string;
let engine: SilentServer;
let source: DockerSource;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'silent-dockerd-'));
  engine = await silentServer({ socketPath: join(folder, 'docker.sock') });
  source = new DockerSource({ docker: new Docker({ socketPath: engine.url }), network: undefined, logger: capturingLogger('fatal').logger, requestTimeoutMs: 200 });
});
afterAll(async () => {
  await engine.close();
  await rm(folder, { recursive: true, force: true });
});

describe('a request to a dockerd that never answers', () => {
  it('fails at its deadline, naming what was asked and the deadline: a stats reading', async () => {
    await expect(source.stats('0123456789abcdef')).rejects.toThrow('Docker did not answer the stats of container 0123456789ab within 200 ms');
  });

  it('… the listing of the running containers, and an inspect', async () => {
    await expect(source.listRunning()).rejects.toThrow('Docker did not answer the container listing within 200 ms');
    await expect(source.inspect('0123456789abcdef')).rejects.toThrow('Docker did not answer the inspect of container 0123456789ab within 200 ms');
  });

  it('… docker info, which is asked again next time rather than kept failed', async () => {
    const before = engine.requests();
    await expect(source.hostName()).rejects.toThrow('Docker did not answer docker info within 200 ms');
    await expect(source.hostMemoryBytes()).rejects.toThrow('Docker did not answer docker info within 200 ms');
    expect(engine.requests() - before).toBe(2);
  });
});

describe('the event stream, asked of a dockerd that never answers', () => {
  it('fails at the deadline, warns once naming what was asked, and asks again with backoff', async () => {
    const { logger, lines } = capturingLogger('debug');
    const watcher = new DockerSource({ docker: new Docker({ socketPath: engine.url }), network: undefined, logger, requestTimeoutMs: 200, eventStreamBackoff: { minMs: 20, maxMs: 20 } });
    const before = engine.requests();
    const stop = watcher.watch(() => undefined);
    try {
      await waitUntil('a second attempt to fail', async () => lines.some((line) => line.msg === 'docker event stream still failing'), 5_000);
      expect(lines[0]).toMatchObject({ level: 40, error: 'Docker did not answer the event stream within 200 ms' });
      expect(engine.requests() - before).toBeGreaterThanOrEqual(2);
    } finally {
      stop();
    }
  });

  it('stopped while its request waits for an answer, ends that request at once: no connection is left open', async () => {
    const { logger } = capturingLogger('fatal');
    const watcher = new DockerSource({ docker: new Docker({ socketPath: engine.url }), network: undefined, logger, requestTimeoutMs: 60_000 });
    const before = engine.requests();
    const stop = watcher.watch(() => undefined);
    await waitUntil('the request for the stream', async () => engine.requests() > before, 5_000);
    expect(engine.open()).toBeGreaterThan(0);
    stop();
    await waitUntil('the request to be ended', async () => engine.open() === 0, 5_000);
  });
});
