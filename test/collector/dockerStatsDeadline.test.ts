import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSource } from '../../collector/dockerSource.js';
import { capturingLogger } from './support/runCollector.js';

/**
 * The Docker stats fallback has a deadline: a dockerd that takes the request and never answers
 * held every collection pass, all containers', with it. The engine here is an HTTP server on a
 * unix socket that speaks for dockerd and never answers a stats request, reached through the
 * real dockerode and its modem, as the collector reaches dockerd. Real dockerd's answers are
 * taken within it: dockerStatsFallback.test.ts.
 */

let folder: string;
let engine: Server;
const unanswered: string[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'silent-dockerd-'));
  engine = createServer((request) => {
    unanswered.push(request.url ?? '');
  });
  engine.listen(join(folder, 'docker.sock'));
  await once(engine, 'listening');
});
afterAll(async () => {
  engine.closeAllConnections();
  engine.close();
  await rm(folder, { recursive: true, force: true });
});

describe('a Docker stats reading', () => {
  it('gives up at its deadline when dockerd never answers, naming the container and the deadline', async () => {
    const source = new DockerSource({ docker: new Docker({ socketPath: join(folder, 'docker.sock') }), network: undefined, logger: capturingLogger('fatal').logger, statsTimeoutMs: 200 });
    await expect(source.stats('0123456789abcdef')).rejects.toThrow('Docker gave no stats for container 0123456789ab within 200 ms');
    expect(unanswered.some((url) => url.startsWith('/containers/0123456789abcdef/stats?'))).toBe(true);
  });
});
