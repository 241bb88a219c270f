import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSource } from '../../collector/dockerSource.js';
import { type SilentServer, silentServer } from '../support/failingDependencies.js';
import { capturingLogger } from './support/runCollector.js';

/**
 * The Docker stats fallback has a deadline: a dockerd that takes the request and never answers
 * held every collection pass, all containers', with it. The engine here is a unix socket that
 * accepts and never answers, reached through the real dockerode and its modem, as the collector
 * reaches dockerd. Real dockerd's answers are taken within it: dockerStatsFallback.test.ts.
 */

let folder: string;
let engine: SilentServer;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'silent-dockerd-'));
  engine = await silentServer({ socketPath: join(folder, 'docker.sock') });
});
afterAll(async () => {
  await engine.close();
  await rm(folder, { recursive: true, force: true });
});

describe('a Docker stats reading', () => {
  it('gives up at its deadline when dockerd never answers, naming the container and the deadline', async () => {
    const source = new DockerSource({ docker: new Docker({ socketPath: engine.url }), network: undefined, logger: capturingLogger('fatal').logger, statsTimeoutMs: 200 });
    await expect(source.stats('0123456789abcdef')).rejects.toThrow('Docker gave no stats for container 0123456789ab within 200 ms');
    expect(engine.requests()).toBe(1);
  });
});
