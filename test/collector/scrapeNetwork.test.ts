import type { Point } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupFileReader } from '../../collector/cgroupReader.js';
import { Collector } from '../../collector/collector.js';
import { DockerSource, scrapeAddress } from '../../collector/dockerSource.js';
import { defaultRequestMetricNames } from '../../collector/requestMetrics.js';
import { MetricsScraper } from '../../collector/scraper.js';
import { createSelfMetrics } from '../../collector/selfMetrics.js';
import { toLine } from '../../common/influx/writer.js';
import { docker, ensureBaseImage, newRunId, removeRunContainers, scripts, startContainer } from './support/dockerFixtures.js';
import { capturingLogger } from './support/runCollector.js';

/**
 * `--network` names the network whose address a replica's /metrics is scraped at. A container not
 * on it was scraped over its first network all the same (`scrape_up=1`), and nothing said the
 * flag had been passed over. Now it is not scraped over another network: it is written as down
 * (`scrape_up=0`, counted in `collector_scrape_errors_total`), as a replica that does not answer
 * is, and one warning per container names it, the network asked for and the networks it is on.
 * Connected to the network while it runs, it is scraped from the next re-listing.
 */

describe('the address /metrics is scraped at', () => {
  const settings = { Networks: { bridge: { IPAddress: '172.17.0.2' }, app: { IPAddress: '10.0.0.5' } } };

  it('is the one on the network asked for', () => {
    expect(scrapeAddress(settings, 'app')).toEqual({ ip: '10.0.0.5' });
  });

  it('is none when the container is not on that network, whatever its other networks; the reason names both', () => {
    expect(scrapeAddress(settings, 'nosuchnet')).toEqual({ ip: undefined, unreachable: { network: 'nosuchnet', networks: ['bridge', 'app'] } });
    // On it, but without an address there (it has none yet): not another network's either.
    expect(scrapeAddress({ Networks: { bridge: { IPAddress: '172.17.0.2' }, app: { IPAddress: '' } } }, 'app')).toEqual({ ip: undefined, unreachable: { network: 'app', networks: ['bridge', 'app'] } });
  });

  it('with no network asked for, is the first with an address, else the legacy default bridge\'s', () => {
    expect(scrapeAddress({ Networks: { none: { IPAddress: '' }, app: { IPAddress: '10.0.0.5' } } }, undefined)).toEqual({ ip: '10.0.0.5' });
    expect(scrapeAddress({ IPAddress: '172.17.0.9', Networks: {} }, undefined)).toEqual({ ip: '172.17.0.9' });
    expect(scrapeAddress({ Networks: { host: { IPAddress: '' } } }, undefined)).toEqual({ ip: undefined, unreachable: { network: undefined, networks: ['host'] } });
  });
});

describe('a replica not on the network --network names (real Docker)', () => {
  const runId = newRunId('swnet');
  const network = `${runId}-net`;
  const scraper = new MetricsScraper(800);

  beforeAll(async () => {
    await ensureBaseImage();
    await docker.createNetwork({ Name: network, Labels: { 'scalewright.test': runId } });
    // On the default bridge only, serving /metrics on 9100.
    await startContainer({ runId, name: 'web-1', script: scripts.metricsServer, labels: { 'scalewright.service': `${runId}-web`, 'scalewright.metrics.port': '9100' } });
    // Its /metrics listens once the process has started.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }, 120_000);
  afterAll(async () => {
    scraper.close();
    await removeRunContainers(runId);
    await docker.getNetwork(network).remove().catch(() => undefined);
  });

  /** A collector of this run's containers, its points, log lines and self-metrics kept. */
  function collectorOn(onNetwork: string) {
    const { logger, lines: logLines } = capturingLogger('debug');
    const points: string[] = [];
    const metrics = createSelfMetrics(() => ({ pointsWritten: 0, writeRequests: 0, writeErrors: 0, droppedPoints: 0, bufferedPoints: 0, bufferCapacity: 1, reachable: true }));
    const collector = new Collector({
      source: new DockerSource({ docker, network: onNetwork, requireLabel: `scalewright.test=${runId}`, logger }),
      cgroups: new CgroupFileReader({ procRoot: '/proc', cgroupRoot: '/sys/fs/cgroup' }),
      scraper,
      sink: { write: (written: readonly Point[]) => points.push(...written.map((point) => toLine(point) ?? '')) },
      metrics,
      logger,
      intervalMs: 3_600_000,
      resyncMs: 3_600_000,
      metricNames: defaultRequestMetricNames,
      dockerStatsFallback: false,
    });
    const scrapeUps = () => points.filter((line) => line.startsWith('container_requests')).map((line) => line.match(/scrape_up=(\d)i/)?.[1]);
    const scrapeErrors = async () => (await metrics.scrapeErrors.get()).values[0]?.value ?? 0;
    return { collector, logLines, scrapeUps, scrapeErrors };
  }

  it('on bridge, the network it is on: scraped (scrape_up=1), nothing to warn of', async () => {
    const { collector, logLines, scrapeUps } = collectorOn('bridge');
    await collector.start();
    try {
      await collector.collectOnce();
      expect(scrapeUps()).toEqual(['1']);
      expect(logLines.filter((line) => line.level === 40 && String(line.msg).includes('network'))).toEqual([]);
    } finally {
      await collector.stop();
    }
  });

  it('on --network nosuchnet: written as down and counted, never scraped over bridge, and said once, naming container and networks', async () => {
    const { collector, logLines, scrapeUps, scrapeErrors } = collectorOn('nosuchnet');
    await collector.start();
    try {
      for (let pass = 0; pass < 3; pass++) {
        await collector.collectOnce();
        await collector.resync();
      }
      expect(scrapeUps()).toEqual(['0', '0', '0']);
      expect(await scrapeErrors()).toBe(3);
      const warnings = logLines.filter((line) => line.level === 40 && String(line.msg).startsWith('container not on network'));
      expect(warnings).toEqual([
        expect.objectContaining({
          container: `${runId}-web-1`,
          network: 'nosuchnet',
          networks: ['bridge'],
          msg: 'container not on network nosuchnet (--network, COLLECTOR_NETWORK), only on bridge: its /metrics is not scraped (scrape_up=0) until it is connected to it',
        }),
      ]);
      expect(logLines.filter((line) => line.msg === 'scrape failed').map((line) => line.error)).toEqual(['not on network nosuchnet', 'not on network nosuchnet', 'not on network nosuchnet']);
    } finally {
      await collector.stop();
    }
  });

  it('connected to the network it was not on, while it runs: scraped from the next re-listing, and said so', async () => {
    const { collector, logLines, scrapeUps } = collectorOn(network);
    await collector.start();
    try {
      await collector.collectOnce();
      await docker.getNetwork(network).connect({ Container: `${runId}-web-1` });
      await collector.resync();
      await collector.collectOnce();
      expect(scrapeUps()).toEqual(['0', '1']);
      expect(logLines.filter((line) => line.msg === 'container now reachable: its /metrics is scraped')).toEqual([expect.objectContaining({ container: `${runId}-web-1` })]);
      expect(logLines.filter((line) => String(line.msg).startsWith('container not on network'))).toHaveLength(1);
    } finally {
      await collector.stop();
      await docker.getNetwork(network).disconnect({ Container: `${runId}-web-1`, Force: true }).catch(() => undefined);
    }
  });
});
